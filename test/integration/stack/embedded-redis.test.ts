/**
 * A machine without redis-server: the stack takes the real redis-server build
 * from the embedded-redis jar (Maven Central), unpacked into the shared dist
 * folder once, and it answers PING.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { findRedisServer, ensureRedisServer } from '../../../infra/stack/redis-binary.ts';
import { stackLayout } from '../../../infra/stack/stack-layout.ts';
import { freePort } from '../../helpers/free-port.ts';
import { isolatedStackEnv } from '../../helpers/isolated-stack-env.ts';
import { waitFor } from '../../helpers/wait-for.ts';

test('without redis-server on PATH the stack unpacks the embedded-redis build and it answers PING', async (t) => {
  // A PATH that has mvn (to fetch the jar) but no redis-server; mvn itself runs with this process's environment.
  const bin = mkdtempSync(join(tmpdir(), 'kpo-path-'));
  const mvn = (process.env.PATH ?? '')
    .split(':')
    .map((dir) => join(dir, 'mvn'))
    .find((candidate) => existsSync(candidate));
  assert.ok(mvn, 'mvn on PATH');
  symlinkSync(mvn, join(bin, 'mvn'));
  const noRedis = { ...(await isolatedStackEnv()), PATH: bin };
  const layout = stackLayout(noRedis);

  const binary = findRedisServer(layout, noRedis);
  assert.equal(binary.source, 'embedded');
  assert.equal(await ensureRedisServer(layout, noRedis), binary.path);
  assert.ok((statSync(binary.path).mode & 0o111) !== 0, 'executable');

  const port = await freePort();
  const child = spawn(
    binary.path,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      mkdtempSync(join(tmpdir(), 'kpo-redis-')),
    ],
    { stdio: 'ignore' },
  );
  t.after(async () => {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  });
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 100,
  });
  client.on('error', () => undefined);
  t.after(() => client.disconnect());
  await waitFor(
    async () => {
      if (client.status === 'wait') await client.connect();
      return (await client.ping()) === 'PONG';
    },
    { timeoutMs: 10_000, what: 'embedded redis-server PING' },
  );
  const info = await client.info('server');
  assert.match(info, /redis_version:6\.2\./);
});
