/**
 * The local stack's contract, on its own home and ports (the shared stack
 * other tests use is not touched): up returns when every service answers, up
 * twice is harmless, status tells what runs, down stops exactly what up started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { isolatedStackEnv } from '../../helpers/isolated-stack-env.ts';

const run = promisify(execFile);
const CLI = join(PROJECT_ROOT, 'infra', 'stack', 'cli.ts');

async function stack(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CLI, ...args], {
      env,
      timeout: 180_000,
    });
    return { code: 0, stdout };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    return { code: failure.code ?? 1, stdout: failure.stdout ?? '' };
  }
}

interface Status {
  readonly name: string;
  readonly running: boolean;
  readonly answering: boolean;
  readonly pid?: number;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('up starts every service, up twice is harmless, down stops exactly what up started', async (t) => {
  const env = await isolatedStackEnv();
  const home = env.KPO_HOME;
  t.after(() => stack(['down'], env));

  const first = await stack(['up', '--json'], env);
  assert.equal(first.code, 0, first.stdout);
  const up = JSON.parse(first.stdout.trim().split('\n').at(-1)!) as { started: string[]; readyMs: number };
  assert.deepEqual([...up.started].sort(), ['kafka', 'redis', 'registry']);
  const endpoints = JSON.parse(readFileSync(join(home, 'endpoints.json'), 'utf8')) as Record<string, string>;
  assert.equal(endpoints.kafkaBroker, `127.0.0.1:${env.KPO_KAFKA_PORT}`);
  assert.equal(endpoints.redisUrl, `redis://127.0.0.1:${env.KPO_REDIS_PORT}`);
  console.log(`isolated stack ready in ${up.readyMs} ms`);

  const running = JSON.parse((await stack(['status', '--json'], env)).stdout) as Status[];
  assert.ok(
    running.every((s) => s.running && s.answering),
    JSON.stringify(running),
  );

  const second = await stack(['up', '--json'], env);
  const again = JSON.parse(second.stdout.trim().split('\n').at(-1)!) as { started: string[] };
  assert.deepEqual(again.started, [], 'a second up starts nothing');
  const after = JSON.parse((await stack(['status', '--json'], env)).stdout) as Status[];
  assert.deepEqual(
    after.map((s) => s.pid),
    running.map((s) => s.pid),
    'same processes after the second up',
  );

  assert.equal((await stack(['down'], env)).code, 0);
  for (const s of running)
    assert.equal(isAlive(s.pid!), false, `${s.name} pid ${s.pid} still alive after down`);
  const down = await stack(['status', '--json'], env);
  assert.equal(down.code, 3);
  assert.ok((JSON.parse(down.stdout) as Status[]).every((s) => !s.running));
});
