import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { EndpointPool } from '../../../shared/model/endpoint-pool.ts';
import { RoundRobinSelector } from '../../../shared/model/endpoint-selector.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';
import { ResilientEndpoint } from '../../../shared/model/resilient-endpoint.ts';
import type { GenerationRequest, GenerationResult } from '../../../shared/model/types.ts';
import { FakeModelClient } from './fake-model-client.ts';

function poolOf(clients: readonly FakeModelClient[], models: readonly (readonly string[])[] = []) {
  const options = compileModelCallOptions({ retryAfterCapMs: 600_000, retryInitialDelayMs: 1 });
  const endpoints = clients.map(
    (client, i) => new ResilientEndpoint(client, { maxConcurrent: 4, models: models[i] ?? [] }, options),
  );
  return new EndpointPool(endpoints, new RoundRobinSelector(), options);
}

const request = (extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  requestId: 'r1',
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  params: { maxTokens: 4 },
  ...extra,
});

async function resultOf(pool: EndpointPool, req: GenerationRequest): Promise<GenerationResult> {
  for await (const event of pool.stream(req, new AbortController().signal))
    if (event.type === 'done') return event;
  throw new Error('no result');
}

describe('EndpointPool', () => {
  it(
    'fails over to an untried endpoint at once, without waiting out the first one’s Retry-After',
    { timeout: 10_000 },
    async () => {
      const limited = new FakeModelClient('limited', false);
      limited.failNext = 1;
      limited.failWith = new KpoError('KPO_MODEL_RATE_LIMITED', '429', {
        retryable: true,
        retryAfterMs: 300_000,
      });
      const healthy = new FakeModelClient('healthy', false);
      const result = await resultOf(poolOf([limited, healthy]), request());
      assert.equal(result.endpoint, 'healthy');
      assert.equal(limited.calls.length, 1);
    },
  );

  it('does not retry a non-retryable error', async () => {
    const client = new FakeModelClient('only', false);
    client.failNext = 1;
    client.failWith = new KpoError('KPO_MODEL_HTTP', '400', { retryable: false });
    await assert.rejects(
      resultOf(poolOf([client]), request()),
      (error: unknown) => error instanceof KpoError && !error.retryable,
    );
    assert.equal(client.calls.length, 1);
  });

  it('retries a retryable error on the same endpoint when it is the only one, and reports the attempt', async () => {
    const client = new FakeModelClient('only', false);
    client.failNext = 5;
    await assert.rejects(resultOf(poolOf([client]), request()), (error: unknown) => {
      assert.ok(error instanceof KpoError);
      assert.equal(error.context.attempt, 3);
      return true;
    });
    assert.equal(client.calls.length, 3);
  });

  it('routes only to endpoints serving the model and refuses an unknown model', async () => {
    const a = new FakeModelClient('a', false);
    const b = new FakeModelClient('b', false);
    const pool = poolOf([a, b], [['small'], ['large']]);
    assert.equal((await resultOf(pool, request({ model: 'large' }))).endpoint, 'b');
    await assert.rejects(
      resultOf(pool, request({ model: 'other' })),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_MODEL_UNKNOWN',
    );
  });

  it('sheds a request past its deadline without calling a model', async () => {
    const client = new FakeModelClient('only', false);
    await assert.rejects(
      resultOf(poolOf([client]), request({ deadlineMs: Date.now() - 1 })),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_SHED_EXPIRED',
    );
    assert.equal(client.calls.length, 0);
  });
});
