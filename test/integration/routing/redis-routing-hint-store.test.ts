import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import type { EndpointView } from '../../../shared/model/endpoint-selector.ts';
import type { GenerationRequest, RequestRouting } from '../../../shared/model/types.ts';
import { CacheAwareSelector } from '../../../shared/routing/cache-aware-selector.ts';
import { RedisRoutingHintStore } from '../../../shared/routing/redis-routing-hint-store.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { RoutingCounters } from '../../../shared/routing/routing-metrics.ts';
import { compileRoutingOptions } from '../../../shared/routing/routing-options.ts';
import {
  createRedisConnection,
  NEVER_WAIT,
  redisReadyWithin,
} from '../../../shared/redis/redis-connection.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const prefix = uniqueName('kpo-test');
const keys = new RedisKeyNamespace(prefix);
const options = compileRoutingOptions({ maxBlocksPerReplica: 50 });
let redis: Redis;

const hashes = (session: string, count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => `${session}-h${from + i}`);

before(async () => {
  redis = createRedisConnection({ url: serviceEndpoints().redisUrl, ...NEVER_WAIT });
  assert.equal(await redisReadyWithin(redis, 5_000), true, 'Redis from REDIS_URL is reachable');
});

after(async () => {
  const found = await redis.keys(`${prefix}:kv:*`);
  if (found.length > 0) await redis.del(...found);
  redis.disconnect();
});

test('a replica matches the leading blocks it was sent, and no further', async () => {
  const store = new RedisRoutingHintStore(redis, keys, options);
  const session = uniqueName('s');
  const sent = hashes(session, 10);
  await store.recordRouted({
    sessionId: session,
    replica: 'a',
    blockHashes: sent,
    workerId: 'w1',
    workerInFlight: 1,
  });
  const prompt = [...sent.slice(0, 6), 'other-6', sent[7]!];
  const snapshot = await store.lookup({
    sessionId: session,
    blockHashes: prompt,
    replicas: ['a', 'b'],
    workerId: 'w1',
  });
  assert.equal(snapshot.replicas.get('a')?.matchBlocks, 6);
  assert.equal(snapshot.replicas.get('b')?.matchBlocks, 0);
});

test('the session hint keeps the replica, the slot the server reported and the tail of the prefix', async () => {
  const store = new RedisRoutingHintStore(redis, keys, options);
  const session = uniqueName('s');
  const sent = hashes(session, 4);
  await store.recordRouted({
    sessionId: session,
    replica: 'b',
    blockHashes: sent,
    workerId: 'w1',
    workerInFlight: 1,
  });
  await store.recordFinished({
    sessionId: session,
    replica: 'b',
    workerId: 'w1',
    workerInFlight: 0,
    slot: 3,
  });
  const { session: hint } = await store.lookup({
    sessionId: session,
    blockHashes: sent,
    replicas: ['b'],
    workerId: 'w1',
  });
  assert.deepEqual({ ...hint, atMs: 0 }, { replica: 'b', slot: 3, blocks: 4, tailHash: sent[3], atMs: 0 });
});

test("a lookup sums other workers' fresh in-flight counts, not its own and not stale ones", async () => {
  const replica = uniqueName('r');
  const fresh = new RedisRoutingHintStore(redis, keys, options);
  const stale = new RedisRoutingHintStore(
    redis,
    keys,
    options,
    () => Date.now() - options.loadFreshMs - 1_000,
  );
  await fresh.publishLoad('w1', new Map([[replica, 3]]));
  await fresh.publishLoad('w2', new Map([[replica, 2]]));
  await stale.publishLoad('w-crashed', new Map([[replica, 7]]));
  const query = { sessionId: 'none', blockHashes: [], replicas: [replica] };
  assert.equal((await fresh.lookup({ ...query, workerId: 'w3' })).replicas.get(replica)?.othersInFlight, 5);
  assert.equal((await fresh.lookup({ ...query, workerId: 'w1' })).replicas.get(replica)?.othersInFlight, 2);
  await fresh.publishLoad('w2', new Map([[replica, 0]]));
  assert.equal((await fresh.lookup({ ...query, workerId: 'w1' })).replicas.get(replica)?.othersInFlight, 0);
});

test('every key has a TTL and a replica keeps at most maxBlocksPerReplica blocks, the newest', async () => {
  const store = new RedisRoutingHintStore(redis, keys, options);
  const replica = uniqueName('r');
  const session = uniqueName('s');
  const old = hashes(session, 40);
  const recent = hashes(session, 40, 100);
  await store.recordRouted({
    sessionId: session,
    replica,
    blockHashes: old,
    workerId: 'w1',
    workerInFlight: 1,
  });
  await new Promise((resolve) => setTimeout(resolve, 5));
  await store.recordRouted({
    sessionId: session,
    replica,
    blockHashes: recent,
    workerId: 'w1',
    workerInFlight: 2,
  });
  assert.equal(await redis.zcard(keys.replicaBlocks(replica)), 50);
  assert.notEqual(await redis.zscore(keys.replicaBlocks(replica), recent[0]!), null);
  assert.equal(await redis.zscore(keys.replicaBlocks(replica), old[0]!), null);
  for (const key of [keys.replicaBlocks(replica), keys.replicaLoad(replica), keys.routedSession(session)]) {
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 0, `${key} has a TTL (${ttl})`);
  }
});

test('blocks sent longer ago than the block TTL no longer match', async () => {
  const longAgo = new RedisRoutingHintStore(
    redis,
    keys,
    options,
    () => Date.now() - options.blockTtlSeconds * 1_000 - 1,
  );
  const now = new RedisRoutingHintStore(redis, keys, options);
  const session = uniqueName('s');
  const replica = uniqueName('r');
  const sent = hashes(session, 5);
  await longAgo.recordRouted({
    sessionId: session,
    replica,
    blockHashes: sent,
    workerId: 'w1',
    workerInFlight: 1,
  });
  const snapshot = await now.lookup({
    sessionId: session,
    blockHashes: sent,
    replicas: [replica],
    workerId: 'w1',
  });
  assert.equal(snapshot.replicas.get(replica)?.matchBlocks, 0);
});

function view(name: string): EndpointView {
  return {
    name,
    inFlight: 0,
    maxConcurrent: 8,
    circuitState: 'closed',
    capabilities: { batching: false, slots: false, prefixCache: true },
  };
}

function routedRequest(requestId: string, routing: RequestRouting): GenerationRequest {
  return { requestId, model: 'm', messages: [], params: { maxTokens: 1 }, routing };
}

test('hints survive a change of worker: a new selector sends a follow-up to the replica of the first', async () => {
  const store = new RedisRoutingHintStore(redis, keys, options);
  const replicas = ['a', 'b', 'c', 'd'].map((name) => `${name}-${uniqueName('r')}`);
  const views = replicas.map(view);
  const session = uniqueName('s');
  const first = new CacheAwareSelector(store, options, new RoutingCounters(), 'worker-1');
  const turn1 = hashes(session, 20);
  const t1 = routedRequest('t1', { sessionId: session, prefixBlockHashes: turn1 });
  await first.prepare(t1, views);
  const served = first.select(t1, views).endpoint;
  first.finished(t1, served, { kind: 'stopped' });
  first.close();
  await waitFor(async () => (await redis.hget(keys.routedSession(session), 'replica')) === served, {
    timeoutMs: 5_000,
    what: 'the first worker recorded its decision',
  });

  const counters = new RoutingCounters();
  const second = new CacheAwareSelector(store, options, counters, 'worker-2');
  const turn2 = [...turn1, ...hashes(session, 5, 20)];
  const t2 = routedRequest('t2', { sessionId: session, prefixBlockHashes: turn2 });
  await second.prepare(t2, views);
  const choice = second.select(t2, views);
  second.finished(t2, choice.endpoint, { kind: 'stopped' });
  second.close();
  assert.equal(choice.endpoint, served);
  assert.equal(counters.reasons.session_sticky, 1);
});
