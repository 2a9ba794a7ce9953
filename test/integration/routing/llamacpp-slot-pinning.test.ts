/**
 * llama.cpp slot pinning end to end: real Redis hints, a simulator replica
 * over HTTP through the llama.cpp adapter. The slot the server reports for a
 * session's turn is recorded, and the session's next turn is sent with that
 * id_slot (and cache_prompt), even when the server's own pick for "any slot"
 * would have been another one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { startSimServer, type RunningSim } from '../../../infra/model-sim/sim-server.ts';
import { simOptionsSchema } from '../../../infra/model-sim/sim-options.ts';
import { LlamaCppClient } from '../../../shared/model/llamacpp-client.ts';
import { collectGeneration } from '../../helpers/collect-generation.ts';
import type { ModelChatMessage } from '../../../shared/model/types.ts';
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
import { poolOver, sendTurn } from './routing-workload.ts';

const prefix = uniqueName('kpo-test');
const keys = new RedisKeyNamespace(prefix);
const options = compileRoutingOptions({ minMatchBlocks: 1 });
let redis: Redis;
let sim: RunningSim;

before(async () => {
  redis = createRedisConnection({ url: serviceEndpoints().redisUrl, ...NEVER_WAIT });
  assert.equal(await redisReadyWithin(redis, 5_000), true, 'routing connection to Redis');
  // Two slots, so a third session's turn reuses the first session's slot.
  sim = await startSimServer(
    simOptionsSchema.parse({
      port: 0,
      replicaId: uniqueName('llama'),
      ttftBaseMs: 2,
      prefillMsPerToken: 0.01,
      interTokenMs: 2,
      maxConcurrentSequences: 2,
    }),
  );
});

after(async () => {
  await sim.close();
  const stored = await redis.keys(`${prefix}:*`);
  if (stored.length > 0) await redis.del(...stored);
  redis.disconnect();
});

test('a session’s next turn goes to the llama.cpp slot the server reported for its last turn', async () => {
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(
    new RedisRoutingHintStore(redis, keys, options),
    options,
    counters,
    'worker-1',
  );
  const pool = poolOver([sim], selector, 'llamacpp');
  const [a, b, c] = ['a', 'b', 'c'].map((name) => uniqueName(`s-${name}`));
  const histories = new Map<string, ModelChatMessage[]>([a!, b!, c!].map((id) => [id, []]));
  const first = await sendTurn(pool, a!, histories.get(a!)!, 1);
  assert.equal(first.ok, true);
  assert.equal(typeof first.slot, 'number');
  await waitFor(async () => (await redis.hget(keys.routedSession(a!), 'slot')) === String(first.slot), {
    timeoutMs: 5_000,
    what: 'the slot of session a recorded in Redis',
  });
  for (const id of [b!, c!]) assert.equal((await sendTurn(pool, id, histories.get(id)!, 1)).ok, true);

  // Control: asked for any slot, the server would now serve a's next prompt elsewhere (c took a's slot).
  const history = histories.get(a!)!;
  const probe = [...history, { role: 'user' as const, content: 'probe' }];
  const unpinned = await collectGeneration(new LlamaCppClient({ name: sim.replicaId, baseUrl: sim.url }), {
    requestId: 'probe',
    model: 'sim-8b',
    messages: probe,
    params: { maxTokens: 1 },
    hints: { idSlot: -1 },
  });
  assert.notEqual(unpinned.slot, first.slot);

  const second = await sendTurn(pool, a!, history, 2);
  selector.close();
  assert.equal(second.ok, true);
  assert.equal(second.slot, first.slot);
  assert.equal(counters.reasons.session_sticky, 1);
});
