import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  LeastLoadedSelector,
  RoundRobinSelector,
  type EndpointView,
} from '../../../shared/model/endpoint-selector.ts';
import type { GenerationRequest } from '../../../shared/model/types.ts';

const request: GenerationRequest = { requestId: 'r', model: 'm', messages: [], params: { maxTokens: 1 } };
const view = (name: string, inFlight: number, maxConcurrent = 10): EndpointView => ({
  name,
  inFlight,
  maxConcurrent,
  circuitState: 'closed',
  capabilities: { batching: false, slots: false, prefixCache: false },
});

describe('endpoint selectors', () => {
  it('round-robin cycles through the candidates', () => {
    const selector = new RoundRobinSelector();
    const names = Array.from(
      { length: 4 },
      () => selector.select(request, [view('a', 0), view('b', 0)]).endpoint,
    );
    assert.deepEqual(names, ['a', 'b', 'a', 'b']);
  });

  it('least-loaded picks the smallest in-flight share of the bulkhead', () => {
    const selector = new LeastLoadedSelector();
    assert.equal(selector.select(request, [view('a', 5), view('b', 2), view('c', 3)]).endpoint, 'b');
    assert.equal(selector.select(request, [view('a', 5, 100), view('b', 2, 4)]).endpoint, 'a');
  });

  it('least-loaded shares ties between equal replicas', () => {
    const selector = new LeastLoadedSelector();
    const names = new Set(
      Array.from({ length: 4 }, () => selector.select(request, [view('a', 1), view('b', 1)]).endpoint),
    );
    assert.deepEqual([...names].sort(), ['a', 'b']);
  });
});
