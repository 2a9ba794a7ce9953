import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { EndpointPool } from '../../../shared/model/endpoint-pool.ts';
import { RoundRobinSelector } from '../../../shared/model/endpoint-selector.ts';
import {
  compileMicroBatchOptions,
  type MicroBatchOptionsInput,
} from '../../../shared/model/micro-batch-options.ts';
import { ModelCallBatcher, type BatchReport } from '../../../shared/model/model-call-batcher.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';
import { ResilientEndpoint } from '../../../shared/model/resilient-endpoint.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult } from '../../../shared/model/types.ts';
import { FakeModelClient } from './fake-model-client.ts';

function setup(batchOptions: MicroBatchOptionsInput, clients: FakeModelClient[]) {
  const callOptions = compileModelCallOptions({ retryInitialDelayMs: 1, retryMaxDelayMs: 1 });
  const endpoints = clients.map(
    (client) => new ResilientEndpoint(client, { maxConcurrent: 64, models: [] }, callOptions),
  );
  const pool = new EndpointPool(endpoints, new RoundRobinSelector(), callOptions);
  const reports: BatchReport[] = [];
  const batcher = new ModelCallBatcher(pool, compileMicroBatchOptions(batchOptions), (report) =>
    reports.push(report),
  );
  return { batcher, reports };
}

function request(id: string, extra: Partial<GenerationRequest> = {}): GenerationRequest {
  return {
    requestId: id,
    model: 'm',
    messages: [{ role: 'user', content: id }],
    params: { maxTokens: 10 },
    ...extra,
  };
}

async function resultOf(events: Promise<AsyncIterable<GenerationEvent>>): Promise<GenerationResult> {
  for await (const event of await events) if (event.type === 'done') return event;
  throw new Error('no result');
}

const never = new AbortController().signal;

describe('ModelCallBatcher', () => {
  it('sends a full batch as one call to a batch-capable endpoint and splits the results by index', async () => {
    const client = new FakeModelClient('batchy', true);
    const { batcher, reports } = setup({ maxBatchSize: 4, maxWaitMs: 10_000 }, [client]);
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) => resultOf(batcher.submit(request(id), never))),
    );
    assert.deepEqual(
      client.calls.map((c) => [c.kind, c.requestIds]),
      [['batch', ['a', 'b', 'c', 'd']]],
    );
    assert.deepEqual(
      results.map((r) => r.text),
      ['answer to a', 'answer to b', 'answer to c', 'answer to d'],
    );
    assert.equal(reports[0]?.reason, 'size');
  });

  it('flushes a partial batch when the max wait passes', async () => {
    const client = new FakeModelClient('batchy', true);
    const { batcher, reports } = setup({ maxBatchSize: 8, maxWaitMs: 5 }, [client]);
    await Promise.all(['a', 'b'].map((id) => resultOf(batcher.submit(request(id), never))));
    assert.deepEqual(
      client.calls.map((c) => c.requestIds),
      [['a', 'b']],
    );
    assert.equal(reports[0]?.reason, 'wait');
    assert.equal(reports[0]?.size, 2);
  });

  it('starts a new batch when the next request would pass the token budget', async () => {
    const client = new FakeModelClient('batchy', true);
    const { batcher, reports } = setup({ maxBatchSize: 8, maxWaitMs: 5, maxBatchTokens: 100 }, [client]);
    const big = (id: string) => request(id, { promptTokens: 30 }); // 30 + 10 max tokens = 40 each
    await Promise.all(['a', 'b', 'c'].map((id) => resultOf(batcher.submit(big(id), never))));
    assert.deepEqual(
      client.calls.map((c) => c.requestIds),
      [['a', 'b'], ['c']],
    );
    assert.equal(reports[0]?.reason, 'tokens');
  });

  it('never batches requests whose sampling parameters differ', async () => {
    const client = new FakeModelClient('batchy', true);
    const { batcher } = setup({ maxBatchSize: 8, maxWaitMs: 5 }, [client]);
    await Promise.all([
      resultOf(batcher.submit(request('a'), never)),
      resultOf(batcher.submit(request('b', { params: { maxTokens: 99 } }), never)),
      resultOf(batcher.submit(request('c'), never)),
    ]);
    assert.deepEqual(client.calls.map((c) => c.requestIds).sort(), [['a', 'c'], ['b']]);
  });

  it('rejects a request whose deadline passes while it waits, without holding up the rest of its batch', async () => {
    const client = new FakeModelClient('batchy', true);
    const { batcher } = setup({ maxBatchSize: 8, maxWaitMs: 50 }, [client]);
    const late = batcher.submit(request('late', { deadlineMs: Date.now() + 5 }), never);
    const onTime = resultOf(batcher.submit(request('ok'), never));
    await assert.rejects(
      late,
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_SHED_EXPIRED',
    );
    assert.equal((await onTime).text, 'answer to ok');
    assert.deepEqual(
      client.calls.map((c) => c.requestIds),
      [['ok']],
    );
  });

  it('rejects a request cancelled while it waits and leaves nothing queued', async () => {
    const client = new FakeModelClient('batchy', true);
    const { batcher } = setup({ maxBatchSize: 8, maxWaitMs: 10_000 }, [client]);
    const controller = new AbortController();
    const pending = batcher.submit(request('a'), controller.signal);
    assert.equal(batcher.waiting, 1);
    controller.abort();
    await assert.rejects(
      pending,
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_CANCELLED',
    );
    assert.equal(batcher.waiting, 0);
    assert.equal(client.calls.length, 0);
  });

  it('releases a batch for an endpoint without a batch entry point as concurrent calls started together', async () => {
    const client = new FakeModelClient('plain', false);
    const { batcher } = setup({ maxBatchSize: 3, maxWaitMs: 10_000 }, [client]);
    const first = batcher.submit(request('a'), never);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(client.calls.length, 0, 'nothing is sent before the batch is full');
    const rest = ['b', 'c'].map((id) => batcher.submit(request(id), never));
    const results = await Promise.all([first, ...rest].map(resultOf));
    assert.deepEqual(
      client.calls.map((c) => c.kind),
      ['single', 'single', 'single'],
    );
    assert.equal(
      new Set(client.calls.map((c) => c.tick)).size,
      1,
      'all three calls started in the same tick',
    );
    assert.deepEqual(
      results.map((r) => r.text),
      ['answer to a', 'answer to b', 'answer to c'],
    );
  });

  it('one request cancelled during its batch call does not abort the call for the others; all cancelled does', async () => {
    const client = new FakeModelClient('batchy', true);
    client.batchDelayMs = 30;
    const { batcher } = setup({ maxBatchSize: 2, maxWaitMs: 10_000 }, [client]);
    const first = new AbortController();
    const pending = ['a', 'b'].map((id, i) => batcher.submit(request(id), i === 0 ? first.signal : never));
    first.abort();
    const results = await Promise.all(pending.map(resultOf));
    assert.equal(client.abortedBatches, 0);
    assert.equal(results[1]?.text, 'answer to b');

    const both = [new AbortController(), new AbortController()];
    const cancelled = ['c', 'd'].map((id, i) => batcher.submit(request(id), both[i]!.signal));
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const controller of both) controller.abort();
    const outcomes = await Promise.allSettled(cancelled.map(resultOf));
    assert.ok(outcomes.every((o) => o.status === 'rejected'));
    assert.equal(client.abortedBatches, 1);
  });

  it('retries a failed batch call as a whole on the other endpoint', async () => {
    const failing = new FakeModelClient('failing', true);
    failing.failNext = 1;
    const healthy = new FakeModelClient('healthy', true);
    const { batcher } = setup({ maxBatchSize: 2, maxWaitMs: 10_000 }, [failing, healthy]);
    const results = await Promise.all(['a', 'b'].map((id) => resultOf(batcher.submit(request(id), never))));
    assert.deepEqual(
      failing.calls.map((c) => c.requestIds),
      [['a', 'b']],
    );
    assert.deepEqual(
      healthy.calls.map((c) => c.requestIds),
      [['a', 'b']],
    );
    assert.ok(results.every((r) => r.endpoint === 'healthy'));
  });
});
