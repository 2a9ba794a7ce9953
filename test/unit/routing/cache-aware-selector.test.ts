import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointView } from '../../../shared/model/endpoint-selector.ts';
import type { GenerationRequest, GenerationResult, RequestRouting } from '../../../shared/model/types.ts';
import { CacheAwareSelector } from '../../../shared/routing/cache-aware-selector.ts';
import type {
  FinishedRecord,
  HintSnapshot,
  RoutedRecord,
  RoutingHintStore,
} from '../../../shared/routing/routing-hint-store.ts';
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

function request(requestId: string, routing?: RequestRouting): GenerationRequest {
  return {
    requestId,
    model: 'm',
    messages: [{ role: 'user', content: 'hi' }],
    params: { maxTokens: 4 },
    ...(routing === undefined ? {} : { routing }),
  };
}

function result(endpoint: string, slot?: number): GenerationResult {
  return {
    type: 'done',
    text: 'ok',
    finishReason: 'stop',
    usage: { promptTokens: 200, completionTokens: 2, cachedTokens: 150 },
    timings: { ttftMs: 1, perTokenMs: 1 },
    endpoint,
    ...(slot === undefined ? {} : { slot }),
  };
}

/** A store whose lookup answers what the test says; writes are kept. */
function storeWith(lookup: () => Promise<HintSnapshot>) {
  const store = {
    routed: [] as RoutedRecord[],
    finished: [] as FinishedRecord[],
    lookup,
    recordRouted: async (record: RoutedRecord) => void store.routed.push(record),
    recordFinished: async (record: FinishedRecord) => void store.finished.push(record),
    publishLoad: async () => undefined,
  } satisfies RoutingHintStore & Record<string, unknown>;
  return store;
}

const hashes = Array.from({ length: 10 }, (_, i) => `h${i}`);
const key = { sessionId: 's1', prefixBlockHashes: hashes };

const stopped = { kind: 'stopped' } as const;

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
  const r1 = request('r1', key);
  const candidates = [view('a', 0, true), view('b', 0, true)];
  await selector.prepare(r1, candidates);
  const choice = selector.select(r1, candidates);
  assert.equal(choice.endpoint, 'b');
  assert.deepEqual(choice.hints, { cachePrompt: true, idSlot: 2 });
  assert.equal(counters.reasons.session_sticky, 1);
  assert.equal(selector.localInFlight('b'), 1);
  selector.finished(r1, 'b', stopped);
  assert.equal(selector.localInFlight('b'), 0);
  selector.close();
});

test('records the slot the server reported and counts the cached-token ratio per replica', async () => {
  const store = storeWith(async () => ({ session: undefined, replicas: new Map() }));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const r1 = request('r1', key);
  await selector.prepare(r1, [view('a', 0, true)]);
  assert.deepEqual(selector.select(r1, [view('a', 0, true)]).hints, { cachePrompt: true, idSlot: -1 });
  selector.finished(r1, 'a', { kind: 'done', result: result('a', 3) });
  await Promise.resolve();
  assert.equal(store.finished.at(-1)?.slot, 3);
  assert.deepEqual(counters.cachedTokenRatios.get('a'), { count: 1, sum: 0.75 });
  assert.equal(counters.lastLoad.get('a'), 0);
  selector.close();
});

test('without Redis the next turn of a session still gets the slot this worker saw last', async () => {
  const store = storeWith(() => Promise.reject(new Error('connection refused')));
  const selector = new CacheAwareSelector(store, options);
  const candidates = [view('a', 0, true), view('b', 0, true)];
  const r1 = request('r1', key);
  await selector.prepare(r1, candidates);
  const first = selector.select(r1, candidates).endpoint;
  selector.finished(r1, first, { kind: 'done', result: result(first, 5) });
  const r2 = request('r2', { sessionId: 's1', prefixBlockHashes: [...hashes, 'h10'] });
  await selector.prepare(r2, candidates);
  const second = selector.select(r2, candidates);
  assert.equal(second.endpoint, first);
  assert.deepEqual(second.hints, { cachePrompt: true, idSlot: 5 });
  selector.finished(r2, first, stopped);
  selector.close();
});

test('a request without routing, or picked without prepare, is routed on load and not counted', async () => {
  const store = storeWith(async () => ({ session: undefined, replicas: new Map() }));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const bare = request('r1');
  await selector.prepare(bare, [view('a'), view('b')]);
  assert.equal(selector.select(bare, [view('a', 2), view('b', 0)]).endpoint, 'b');
  const unprepared = request('r2', key);
  assert.equal(selector.select(unprepared, [view('a', 0), view('b', 3)]).endpoint, 'a');
  assert.equal(selector.localInFlight('a') + selector.localInFlight('b'), 0);
  assert.equal(store.routed.length, 0);
  assert.equal(counters.reasons.no_match, 2);
  selector.finished(bare, 'b', stopped);
  selector.close();
});

test('a redelivered request ID is a request of its own: each copy releases only its own count', async () => {
  const store = storeWith(async () => ({ session: undefined, replicas: new Map() }));
  const selector = new CacheAwareSelector(store, options);
  const copies = [request('r1', key), request('r1', key)];
  for (const copy of copies) {
    await selector.prepare(copy, [view('a')]);
    selector.select(copy, [view('a')]);
  }
  assert.equal(selector.localInFlight('a'), 2);
  selector.finished(copies[0]!, 'a', stopped);
  selector.finished(copies[0]!, 'a', stopped);
  assert.equal(selector.localInFlight('a'), 1);
  selector.finished(copies[1]!, 'a', stopped);
  assert.equal(selector.localInFlight('a'), 0);
  selector.close();
});

test('a failing hint store routes least-loaded on local counts and counts the fallback', async () => {
  const store = storeWith(() => Promise.reject(new Error('connection refused')));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const r1 = request('r1', key);
  await selector.prepare(r1, [view('a'), view('b')]);
  const choice = selector.select(r1, [view('a', 3), view('b', 1)]);
  assert.equal(choice.endpoint, 'b');
  assert.equal(counters.reasons.redis_unavailable, 1);
  assert.equal(counters.storeFailures.lookup, 1);
  selector.finished(r1, 'b', stopped);
  selector.close();
});

test('a hint store slower than the lookup budget does not hold the request', async () => {
  const store = storeWith(() => new Promise<HintSnapshot>(() => undefined));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const r1 = request('r1', key);
  await selector.prepare(r1, [view('a')]);
  assert.equal(selector.select(r1, [view('a')]).endpoint, 'a');
  assert.equal(counters.reasons.redis_unavailable, 1);
  selector.finished(r1, 'a', stopped);
  selector.close();
});

test('a retry on another replica moves the local in-flight count with it', async () => {
  const store = storeWith(async () => ({ session: undefined, replicas: new Map() }));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const r1 = request('r1', key);
  await selector.prepare(r1, [view('a'), view('b')]);
  const first = selector.select(r1, [view('a'), view('b')]);
  const other = first.endpoint === 'a' ? 'b' : 'a';
  assert.equal(selector.select(r1, [view(other)]).endpoint, other);
  assert.equal(selector.localInFlight(first.endpoint), 0);
  assert.equal(selector.localInFlight(other), 1);
  assert.equal(counters.hints.hit + counters.hints.miss, 1, 'one lookup, counted once');
  selector.finished(r1, other, stopped);
  assert.equal(selector.localInFlight(other), 0);
  selector.close();
});

test('without Redis a session this worker routed before stays on its replica', async () => {
  const store = storeWith(() => Promise.reject(new Error('connection refused')));
  const counters = new RoutingCounters();
  const selector = new CacheAwareSelector(store, options, counters);
  const candidates = [view('a'), view('b'), view('c')];
  for (const sessionId of ['s1', 's2', 's3']) {
    const r1 = request(`${sessionId}-1`, { sessionId, prefixBlockHashes: hashes });
    await selector.prepare(r1, candidates);
    const first = selector.select(r1, candidates).endpoint;
    selector.finished(r1, first, stopped);
    const r2 = request(`${sessionId}-2`, { sessionId, prefixBlockHashes: [...hashes, 'h10', 'h11'] });
    await selector.prepare(r2, candidates);
    assert.equal(selector.select(r2, candidates).endpoint, first);
    selector.finished(r2, first, stopped);
  }
  assert.equal(counters.reasons.redis_unavailable, 6);
  selector.close();
});
