import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { compileRoutingOptions } from '../../../shared/routing/routing-options.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';

test('defaults are documented values and the result is frozen', () => {
  const options = compileRoutingOptions();
  assert.equal(options.minMatchBlocks, 4);
  assert.equal(options.minMatchShare, 0.25);
  assert.equal(options.lookupTimeoutMs, 50);
  assert.ok(Object.isFrozen(options));
});

test('refuses a load heartbeat that is not shorter than the load freshness window', () => {
  assert.throws(
    () => compileRoutingOptions({ loadHeartbeatMs: 15_000, loadFreshMs: 15_000 }),
    (error: unknown) => error instanceof KpoError && error.code === 'KPO_CONFIG_INVALID',
  );
});

test('refuses unknown fields, and a key prefix with braces', () => {
  assert.throws(() => compileRoutingOptions({ lookupTimeout: 5 } as never), KpoError);
  assert.throws(() => compileRoutingOptions({ keyPrefix: 'kpo' } as never), KpoError);
  assert.throws(() => new RedisKeyNamespace('a{b}'), RangeError);
});

test('keys live under <prefix>:kv: with names that cannot break out of their place', () => {
  const keys = new RedisKeyNamespace('kpo');
  assert.equal(keys.routedSession('s 1'), 'kpo:kv:session:s%201');
  assert.equal(keys.replicaBlocks('r:1'), 'kpo:kv:blocks:r%3A1');
  assert.equal(keys.replicaLoad('r'), 'kpo:kv:load:r');
});
