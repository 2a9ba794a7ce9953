/** Per-tenant sliding-window limits on real Redis: atomic across concurrent callers, tokens settled after the fact. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { TenantRateLimiter } from '../../../gateway/tenant-rate-limiter.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

async function redis(t: { after(fn: () => void): void }): Promise<ReturnType<typeof createRedisConnection>> {
  const connection = createRedisConnection({ url: serviceEndpoints().redisUrl });
  await connection.connect();
  t.after(() => connection.disconnect());
  return connection;
}

test('50 concurrent requests against a limit of 10 per minute: exactly 10 admitted', async (t) => {
  const limiter = new TenantRateLimiter(
    await redis(t),
    { requestsPerMinute: 10, tokensPerMinute: 0 },
    new RedisKeyNamespace(uniqueName('rl')),
  );
  const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.admit('acme', 1)));
  assert.equal(decisions.filter((d) => d.admitted).length, 10);
  const refused = decisions.find((d) => !d.admitted);
  assert.equal(refused?.exceeded, 'requests');
  assert.equal(refused?.headers['x-ratelimit-remaining-requests'], '0');
  assert.ok((refused?.retryAfterSeconds ?? 0) >= 1 && (refused?.retryAfterSeconds ?? 99) <= 60);
});

test('tenants have separate windows', async (t) => {
  const limiter = new TenantRateLimiter(
    await redis(t),
    { requestsPerMinute: 1, tokensPerMinute: 0 },
    new RedisKeyNamespace(uniqueName('rl')),
  );
  assert.equal((await limiter.admit('a', 0)).admitted, true);
  assert.equal((await limiter.admit('b', 0)).admitted, true);
  assert.equal((await limiter.admit('a', 0)).admitted, false);
});

test('the token window takes estimates, gives back what was not used, and refuses past the limit', async (t) => {
  const limiter = new TenantRateLimiter(
    await redis(t),
    { requestsPerMinute: 0, tokensPerMinute: 100 },
    new RedisKeyNamespace(uniqueName('rl')),
  );
  const first = await limiter.admit('acme', 80);
  assert.equal(first.admitted, true);
  assert.equal(first.headers['x-ratelimit-remaining-tokens'], '20');
  assert.equal((await limiter.admit('acme', 30)).exceeded, 'tokens');
  await limiter.settle('acme', -50); // the first request used 30 tokens, not 80
  const second = await limiter.admit('acme', 30);
  assert.equal(second.admitted, true);
  assert.equal(second.headers['x-ratelimit-remaining-tokens'], '40');
});

test('a window slides: a minute later the tenant has room again', async (t) => {
  const limiter = new TenantRateLimiter(
    await redis(t),
    { requestsPerMinute: 2, tokensPerMinute: 0 },
    new RedisKeyNamespace(uniqueName('rl')),
  );
  const start = Date.now();
  assert.equal((await limiter.admit('acme', 0, start)).admitted, true);
  assert.equal((await limiter.admit('acme', 0, start + 30_000)).admitted, true);
  const full = await limiter.admit('acme', 0, start + 40_000);
  assert.equal(full.admitted, false);
  assert.ok(
    full.retryAfterSeconds <= 21,
    `room again when the first bucket leaves (${full.retryAfterSeconds} s)`,
  );
  assert.equal(
    (await limiter.admit('acme', 0, start + 61_000)).admitted,
    true,
    'the first request left the window',
  );
});
