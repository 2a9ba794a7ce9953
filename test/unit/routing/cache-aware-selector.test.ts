import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointView } from '../../../shared/model/endpoint-selector.ts';
import type { GenerationRequest } from '../../../shared/model/types.ts';
import { CacheAwareSelector } from '../../../shared/routing/cache-aware-selector.ts';
import type { HintSnapshot, RoutingHintStore } from '../../../shared/routing/routing-hint-store.ts';
import { RoutingCounters } from '../../../shared/routing/routing-metrics.ts';
import { compileRoutingOptions } from '../../../shared/routing/routing-options.ts';

const options = compileRoutingOptions({ lookupTimeoutMs: 20 });

function view(name: string, inFlight = 0, slots = false): EndpointView {
  return {
    name,
    inFlight,
    maxConcurrent: 16,
    circuitState: 'closed',
    capabilities: { batching: false, slots, prefixCache: true },
  };
}

function request(requestId: string): GenerationRequest {
  return { requestId, model: 'm', messages: [{ role: 'user', content: 'hi' }], params: { maxTokens: 4 } };
}

/** A store whose lookup answers what the test says; writes are counted. */
function storeWith(lookup: () => Promise<HintSnapshot>): RoutingHintStore & { writes: number } {
  const store = {
    writes: 0,
    lookup,
    recordRouted: async () => void store.writes++,
    recordFinished: async () => void store.writes++,
    publishLoad: async () => undefined,
  };
  return store;
}

const hashes = Array.from({ length: 10 }, (_, i) => `h${i}`);
const key = { sessionId: 's1', prefixBlockHashes: hashes };

test('routes a follow-up turn to the replica that holds its prefix and pins the llama.cpp slot', async () => {
  const store = storeWith(async () => ({
    session: { replica: 'b', slot: 2, blocks: 8, tailHash: 'h7', atMs: 0 },
    replicas: new Map([
      ['a', { matchBlocks: 1, othersInFlight: 0 }],
      ['b', { matchBlocks: 8, othersInFlight: 1 }],
    ]),
  }));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  await selector.prepare('r1', key, ['a', 'b']);
  const choice = selector.select(request('r1'), [view('a', 0, true), view('b', 0, true)]);
  assert.equal(choice.endpoint, 'b');
  assert.deepEqual(choice.hints, { cachePrompt: true, idSlot: 2 });
  assert.equal(counters.reasons.session_sticky, 1);
  assert.equal(selector.localInFlight('b'), 1);
  selector.complete('r1');
  assert.equal(selector.localInFlight('b'), 0);
  selector.close();
});

test('a failing hint store routes least-loaded on local counts and counts the fallback', async () => {
  const store = storeWith(() => Promise.reject(new Error('connection refused')));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  await selector.prepare('r1', key, ['a', 'b']);
  const choice = selector.select(request('r1'), [view('a', 3), view('b', 1)]);
  assert.equal(choice.endpoint, 'b');
  assert.equal(counters.reasons.redis_unavailable, 1);
  assert.equal(counters.storeFailures.lookup, 1);
  selector.complete('r1');
  selector.close();
});

test('a hint store slower than the lookup budget does not hold the request', async () => {
  const store = storeWith(() => new Promise<HintSnapshot>(() => undefined));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  await selector.prepare('r1', key, ['a']);
  assert.equal(selector.select(request('r1'), [view('a')]).endpoint, 'a');
  assert.equal(counters.reasons.redis_unavailable, 1);
  selector.complete('r1');
  selector.close();
});

test('a retry on another replica moves the local in-flight count with it', async () => {
  const store = storeWith(async () => ({ session: undefined, replicas: new Map() }));
  const selector = new CacheAwareSelector(store, options);
  await selector.prepare('r1', key, ['a', 'b']);
  const first = selector.select(request('r1'), [view('a'), view('b')]);
  const other = first.endpoint === 'a' ? 'b' : 'a';
  assert.equal(selector.select(request('r1'), [view(other)]).endpoint, other);
  assert.equal(selector.localInFlight(first.endpoint), 0);
  assert.equal(selector.localInFlight(other), 1);
  selector.complete('r1');
  assert.equal(selector.localInFlight(other), 0);
  selector.close();
});

test('without Redis a session this worker routed before stays on its replica', async () => {
  const store = storeWith(() => Promise.reject(new Error('connection refused')));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const candidates = [view('a'), view('b'), view('c')];
  for (const sessionId of ['s1', 's2', 's3']) {
    await selector.prepare(`${sessionId}-1`, { sessionId, prefixBlockHashes: hashes }, ['a', 'b', 'c']);
    const first = selector.select(request(`${sessionId}-1`), candidates).endpoint;
    selector.complete(`${sessionId}-1`);
    const followUp = { sessionId, prefixBlockHashes: [...hashes, 'h10', 'h11'] };
    await selector.prepare(`${sessionId}-2`, followUp, ['a', 'b', 'c']);
    assert.equal(selector.select(request(`${sessionId}-2`), candidates).endpoint, first);
    selector.complete(`${sessionId}-2`);
  }
  assert.equal(counters.reasons.redis_unavailable, 6);
  selector.close();
});
