/**
 * Bad setup gets one clear line, a non-zero exit, no hang and nothing left
 * running. Each case uses its own stack home and ports, so the shared stack
 * the other tests use is never touched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, symlinkSync, existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { isolatedStackEnv } from '../../helpers/isolated-stack-env.ts';
import { runTsxScript, type ScriptRun } from '../../helpers/run-tsx-script.ts';

const CLI = join(PROJECT_ROOT, 'infra', 'stack', 'cli.ts');

type CliResult = ScriptRun;

function runStack(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return runTsxScript(CLI, args, env, timeoutMs);
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function pidFilesLeft(home: string): string[] {
  const run = join(home, 'run');
  return existsSync(run) ? readdirSync(run) : [];
}

test('a port taken by another process fails up with one line naming the port and the fix', async (t) => {
  const blocker = await listen();
  t.after(() => new Promise((resolve) => blocker.close(resolve)));
  const env = { ...(await isolatedStackEnv()), KPO_REDIS_PORT: String(portOf(blocker)) };
  const result = await runStack(['up'], env);
  assert.equal(result.code, 1);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${result.stderr}`);
  assert.match(lines[0]!, new RegExp(`port ${portOf(blocker)} for redis is taken.*KPO_REDIS_PORT`));
  assert.deepEqual(pidFilesLeft(env.KPO_HOME), [], 'nothing left running');
});

test('a missing mvn fails up with one line saying how to install it', async () => {
  // A PATH with java but no mvn (redis-server is not needed: the stack would fetch one with mvn).
  const bin = mkdtempSync(join(tmpdir(), 'kpo-path-'));
  const java = (process.env.PATH ?? '')
    .split(':')
    .map((dir) => join(dir, 'java'))
    .find((candidate) => existsSync(candidate));
  if (java) symlinkSync(java, join(bin, 'java'));
  const env = { ...(await isolatedStackEnv()), PATH: bin };
  const result = await runStack(['up'], env);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr.trim(),
    /^stack: KPO_STACK_PREREQUISITE: mvn not found on PATH\. Fix: apt-get install maven$/,
  );
  assert.deepEqual(pidFilesLeft(env.KPO_HOME), []);
});

test('status of a stack that is not running says down for each service and exits non-zero', async () => {
  const result = await runStack(['status'], await isolatedStackEnv());
  assert.equal(result.code, 3);
  for (const service of ['kafka', 'registry', 'redis'])
    assert.match(result.stdout, new RegExp(`${service}\\s+down`));
});

test('an unknown command prints the usage and exits 2', async () => {
  const result = await runStack(['sideways'], await isolatedStackEnv());
  assert.equal(result.code, 2);
  assert.match(result.stderr, /usage: npm run stack -- up \[--brokers N\] \[--secure\] \| down \| status/);
});
