import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
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
import type { RunningSim } from '../../../infra/model-sim/sim-server.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { OwnRedisServer } from './own-redis-server.ts';
import { poolOver, sendTurn, startFastReplicas, type TurnOutcome } from './routing-workload.ts';

let redisServer: OwnRedisServer;
let replicas: RunningSim[];
let redis: Redis;

before(async () => {
  redisServer = await OwnRedisServer.start();
  replicas = await startFastReplicas(2);
  redis = createRedisConnection({ url: redisServer.url, ...NEVER_WAIT });
  assert.equal(await redisReadyWithin(redis, 5_000), true, 'routing connection to the test redis-server');
});

after(async () => {
  redis.disconnect();
  await Promise.all(replicas.map((sim) => sim.close()));
  await redisServer.stop();
});

/** Runs `turns` rounds over `sessions` sessions (concurrently across sessions), calling between(round) first. */
async function runSessions(
  send: (sessionId: string, history: ModelChatMessage[], turn: number) => Promise<TurnOutcome>,
  sessions: number,
  turns: number,
  between: (turn: number) => Promise<void>,
): Promise<TurnOutcome[]> {
  const ids = Array.from({ length: sessions }, () => uniqueName('outage'));
  const histories = ids.map((): ModelChatMessage[] => [{ role: 'system', content: 'be brief' }]);
  const outcomes: TurnOutcome[] = [];
  for (let turn = 1; turn <= turns; turn++) {
    await between(turn);
    outcomes.push(...(await Promise.all(ids.map((id, i) => send(id, histories[i]!, turn)))));
  }
  return outcomes;
}

test('stopping Redis mid-run fails no request: routing falls back, keeps local affinity, counts it, recovers', async () => {
  const counters = new RoutingCounters();
  const options = compileRoutingOptions({});
  const store = new RedisRoutingHintStore(redis, new RedisKeyNamespace(uniqueName('kpo-test')), options);
  const selector = new CacheAwareSelector(store, options, counters);
  const pool = poolOver(replicas, selector);
  let hintsBeforeStop = 0;
  let fallbacksWhileDown = 0;
  const outcomes = await runSessions(
    (id, history, turn) => sendTurn(pool, id, history, turn),
    6,
    6,
    async (turn) => {
      if (turn === 3) {
        hintsBeforeStop = counters.reasons.session_sticky + counters.reasons.prefix_hit;
        await redisServer.stop();
      }
      if (turn === 5) {
        fallbacksWhileDown = counters.reasons.redis_unavailable;
        await redisServer.resume();
        await waitFor(() => redis.status === 'ready', { timeoutMs: 10_000, what: 'routing connection back' });
      }
    },
  );
  selector.close();
  assert.equal(outcomes.filter((o) => !o.ok).length, 0, 'no request failed');
  assert.equal(outcomes.length, 36);
  assert.ok(hintsBeforeStop > 0, 'hints routed follow-ups while Redis was up');
  assert.ok(
    fallbacksWhileDown >= 12,
    `fallback counted for every request while down (${fallbacksWhileDown})`,
  );
  assert.ok(counters.storeFailures.lookup >= 12);
  // While Redis was down each session stayed on its replica (the worker's own memory of its sessions).
  const endpointOf = (turn: number, session: number) => outcomes[(turn - 1) * 6 + session]?.endpoint;
  for (let session = 0; session < 6; session++) {
    assert.equal(
      endpointOf(3, session),
      endpointOf(2, session),
      `session ${session} kept its replica in turn 3`,
    );
    assert.equal(
      endpointOf(4, session),
      endpointOf(2, session),
      `session ${session} kept its replica in turn 4`,
    );
  }
  // After the restart lookups answer again (the hints themselves were lost with the old server).
  assert.ok(
    counters.hints.hit + counters.hints.miss > hintsBeforeStop,
    'lookups answered again after the restart',
  );
  assert.equal(counters.reasons.redis_unavailable, fallbacksWhileDown, 'no fallback once Redis was back');
});

test('a Redis that stops answering (CLIENT PAUSE) costs at most the lookup budget and fails no request', async () => {
  const counters = new RoutingCounters();
  const options = compileRoutingOptions({ lookupTimeoutMs: 30 });
  const store = new RedisRoutingHintStore(redis, new RedisKeyNamespace(uniqueName('kpo-test')), options);
  const selector = new CacheAwareSelector(store, options, counters);
  const pool = poolOver(replicas, selector);
  const admin = createRedisConnection({ url: redisServer.url, ...NEVER_WAIT, commandTimeoutMs: 2_000 });
  assert.equal(await redisReadyWithin(admin, 5_000), true);
  try {
    const outcomes = await runSessions(
      (id, history, turn) => sendTurn(pool, id, history, turn),
      4,
      3,
      async (turn) => {
        if (turn === 2) await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      },
    );
    assert.equal(outcomes.filter((o) => !o.ok).length, 0, 'no request failed');
    assert.ok(counters.reasons.redis_unavailable > 0, 'the slow lookups were counted as fallbacks');
  } finally {
    selector.close();
    await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
    admin.disconnect();
  }
});
