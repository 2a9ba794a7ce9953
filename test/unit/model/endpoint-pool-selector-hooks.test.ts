import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { EndpointPool } from '../../../shared/model/endpoint-pool.ts';
import type {
  EndpointChoice,
  EndpointSelector,
  EndpointView,
  SelectionOutcome,
} from '../../../shared/model/endpoint-selector.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';
import { ResilientEndpoint } from '../../../shared/model/resilient-endpoint.ts';
import type { GenerationEvent, GenerationRequest } from '../../../shared/model/types.ts';
import { FakeModelClient } from './fake-model-client.ts';

/** Records every hook call in order; prepare() does what the test says. */
class RecordingSelector implements EndpointSelector {
  readonly log: string[] = [];
  readonly requests: GenerationRequest[] = [];
  outcomes: SelectionOutcome[] = [];
  prepareWith: () => Promise<void> = async () => undefined;

  async prepare(request: GenerationRequest, candidates: readonly EndpointView[]): Promise<void> {
    this.requests.push(request);
    this.log.push(`prepare:${candidates.map((c) => c.name).join(',')}`);
    await this.prepareWith();
    this.log.push('prepared');
  }

  select(request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice {
    this.requests.push(request);
    this.log.push('select');
    return { endpoint: candidates[0]!.name };
  }

  finished(request: GenerationRequest, endpoint: string, outcome: SelectionOutcome): void {
    this.requests.push(request);
    this.log.push(`finished:${endpoint}:${outcome.kind}`);
    this.outcomes.push(outcome);
  }
}

function poolOf(selector: EndpointSelector, ...clients: FakeModelClient[]) {
  const options = compileModelCallOptions({ retryInitialDelayMs: 1 });
  const endpoints = clients.map(
    (client) => new ResilientEndpoint(client, { maxConcurrent: 4, models: [] }, options),
  );
  return { pool: new EndpointPool(endpoints, selector, options), endpoints };
}

const request: GenerationRequest = {
  requestId: 'r1',
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  params: { maxTokens: 4 },
  routing: { sessionId: 's1', prefixBlockHashes: ['h0'] },
};

async function drain(events: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const seen: GenerationEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

describe('EndpointPool selector hooks', () => {
  it('awaits prepare before the first pick, passes one request object to every hook, and reports the result', async () => {
    const selector = new RecordingSelector();
    const { pool } = poolOf(selector, new FakeModelClient('a', false), new FakeModelClient('b', false));
    await drain(pool.stream(request, new AbortController().signal));
    assert.deepEqual(selector.log, ['prepare:a,b', 'prepared', 'select', 'finished:a:done']);
    assert.ok(selector.requests.every((seen) => seen === request));
    const outcome = selector.outcomes[0];
    assert.equal(outcome?.kind === 'done' ? outcome.result.endpoint : undefined, 'a');
  });

  it('a retry picks again, and finished names the endpoint of the last attempt', async () => {
    const selector = new RecordingSelector();
    const failing = new FakeModelClient('a', false);
    failing.failNext = 1;
    const { pool } = poolOf(selector, failing, new FakeModelClient('b', false));
    await drain(pool.stream(request, new AbortController().signal));
    assert.deepEqual(selector.log, ['prepare:a,b', 'prepared', 'select', 'select', 'finished:b:done']);
  });

  it('a stream that fails on every attempt ends with a failed outcome', async () => {
    const selector = new RecordingSelector();
    const failing = new FakeModelClient('a', false);
    failing.failNext = 10;
    failing.failWith = new KpoError('KPO_MODEL_HTTP', '400', { retryable: false });
    const { pool } = poolOf(selector, failing);
    await assert.rejects(drain(pool.stream(request, new AbortController().signal)));
    assert.deepEqual(selector.log.at(-1), 'finished:a:failed');
    const outcome = selector.outcomes[0];
    assert.equal(outcome?.kind === 'failed' ? outcome.error.code : undefined, 'KPO_MODEL_HTTP');
  });

  it('a consumer that stops reading ends with a stopped outcome', async () => {
    const selector = new RecordingSelector();
    const { pool } = poolOf(selector, new FakeModelClient('a', false));
    for await (const event of pool.stream(request, new AbortController().signal)) {
      assert.equal(event.type, 'chunk');
      break;
    }
    assert.deepEqual(selector.log.at(-1), 'finished:a:stopped');
  });

  it('a prepare that rejects does not fail the request', async () => {
    const selector = new RecordingSelector();
    selector.prepareWith = () => Promise.reject(new Error('lookup failed'));
    const { pool } = poolOf(selector, new FakeModelClient('a', false));
    const events = await drain(pool.stream(request, new AbortController().signal));
    assert.equal(events.at(-1)?.type, 'done');
    assert.deepEqual(selector.log, ['prepare:a', 'select', 'finished:a:done']);
  });

  it('an abort while prepare is pending stops waiting for it and cancels the request', async () => {
    const selector = new RecordingSelector();
    selector.prepareWith = () => new Promise<void>(() => undefined);
    const { pool } = poolOf(selector, new FakeModelClient('a', false));
    const controller = new AbortController();
    const done = drain(pool.stream(request, controller.signal));
    setImmediate(() => controller.abort(new KpoError('KPO_CANCELLED', 'cancelled by the client')));
    await assert.rejects(
      done,
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_CANCELLED',
    );
    assert.deepEqual(selector.log, ['prepare:a']);
  });

  it('a stream that starts on an endpoint chosen beforehand (the micro-batcher) skips prepare', async () => {
    const selector = new RecordingSelector();
    const { pool, endpoints } = poolOf(
      selector,
      new FakeModelClient('a', false),
      new FakeModelClient('b', false),
    );
    await drain(pool.stream(request, new AbortController().signal, endpoints[1]));
    assert.deepEqual(selector.log, ['finished:b:done']);
  });
});
