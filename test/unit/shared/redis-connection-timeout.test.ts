import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';

test('a command to a Redis that accepts but never answers fails with a timeout instead of hanging', async (t) => {
  const sockets: Socket[] = [];
  const stalled = createServer((socket) => void sockets.push(socket)); // reads nothing, answers nothing
  stalled.listen(0, '127.0.0.1');
  await once(stalled, 'listening');
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    stalled.close();
  });
  const address = stalled.address();
  assert.ok(address && typeof address === 'object');
  const redis = createRedisConnection({ url: `redis://127.0.0.1:${address.port}`, commandTimeoutMs: 300 });
  t.after(() => redis.disconnect());
  const hung = AbortSignal.timeout(5_000);
  const outcome = await Promise.race([
    redis.get('k').then(
      () => 'answered',
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    ),
    new Promise<string>((resolve) => hung.addEventListener('abort', () => resolve('hung'))),
  ]);
  assert.match(outcome, /timed out/i);
});
