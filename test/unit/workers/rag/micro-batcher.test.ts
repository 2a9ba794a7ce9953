import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MicroBatcher } from '../../../../workers/rag/micro-batcher.ts';

const never = new AbortController().signal;

test('concurrent submissions within the wait go out as one batch, answers in order', async () => {
  const calls: string[][] = [];
  const batcher = new MicroBatcher<string, string>({
    maxBatchSize: 10,
    maxWaitMs: 5,
    runBatch: async (items) => {
      calls.push([...items]);
      return items.map((item) => item.toUpperCase());
    },
  });
  const results = await Promise.all(['a', 'b', 'c'].map((q) => batcher.submit(q, never)));
  assert.deepEqual(results, ['A', 'B', 'C']);
  assert.deepEqual(calls, [['a', 'b', 'c']]);
});

test('a full batch goes out at maxBatchSize and the rest follow', async () => {
  const batcher = new MicroBatcher<number, number>({
    maxBatchSize: 2,
    maxWaitMs: 1_000,
    runBatch: async (items) => items.map((n) => n * 2),
  });
  const results = await Promise.all([1, 2, 3, 4].map((n) => batcher.submit(n, never)));
  assert.deepEqual(results, [2, 4, 6, 8]);
  assert.deepEqual(batcher.batchSizes, [2, 2]);
});

test('an aborted caller leaves the batch before it goes out', async () => {
  const calls: string[][] = [];
  const batcher = new MicroBatcher<string, string>({
    maxBatchSize: 10,
    maxWaitMs: 20,
    runBatch: async (items) => {
      calls.push([...items]);
      return [...items];
    },
  });
  const controller = new AbortController();
  const aborted = batcher.submit('gone', controller.signal);
  const kept = batcher.submit('kept', never);
  controller.abort(new Error('caller timed out'));
  await assert.rejects(aborted, /caller timed out/);
  assert.equal(await kept, 'kept');
  assert.deepEqual(calls, [['kept']]);
});

test('a failed batch rejects every caller in it', async () => {
  const batcher = new MicroBatcher<string, string>({
    maxBatchSize: 10,
    maxWaitMs: 1,
    runBatch: async () => {
      throw new Error('embeddings down');
    },
  });
  const results = await Promise.allSettled([batcher.submit('a', never), batcher.submit('b', never)]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
});
