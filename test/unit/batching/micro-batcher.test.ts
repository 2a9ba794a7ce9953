import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { MicroBatcher, type GatheredBatch } from '../../../shared/batching/micro-batcher.ts';

function collecting<Item>(
  options: { maxBatchSize: number; maxWaitMs: number; maxBatchTokens?: number },
  tokensOf?: (item: Item) => number,
) {
  const batches: GatheredBatch<Item, string>[] = [];
  const aborted: [Item, unknown][] = [];
  const batcher = new MicroBatcher<Item, string>({
    ...options,
    ...(tokensOf ? { tokensOf } : {}),
    flush: (batch) => batches.push(batch),
    onAborted: (item, reason) => aborted.push([item, reason]),
  });
  return { batcher, batches, aborted };
}

test('items added within the wait go out as one batch, in order, when the oldest has waited maxWaitMs', async () => {
  const { batcher, batches } = collecting<string>({ maxBatchSize: 10, maxWaitMs: 5 });
  for (const item of ['a', 'b', 'c']) batcher.add(item, { tag: 't' });
  assert.equal(batcher.waiting, 3);
  await sleep(30);
  assert.deepEqual(
    batches.map((b) => [b.items, b.reason, b.tag]),
    [[['a', 'b', 'c'], 'wait', 't']],
  );
  assert.equal(batcher.waiting, 0);
});

test('a full batch goes out at maxBatchSize at once and the rest start a new one', () => {
  const { batcher, batches } = collecting<number>({ maxBatchSize: 2, maxWaitMs: 10_000 });
  for (const n of [1, 2, 3, 4]) batcher.add(n, { tag: 't' });
  assert.deepEqual(
    batches.map((b) => [b.items, b.reason]),
    [
      [[1, 2], 'size'],
      [[3, 4], 'size'],
    ],
  );
});

test('an item that would pass the token budget sends the batch before it; keys gather apart', () => {
  const { batcher, batches } = collecting<number>(
    { maxBatchSize: 10, maxWaitMs: 10_000, maxBatchTokens: 10 },
    (n) => n,
  );
  batcher.add(6, { key: 'x', tag: 'x' });
  batcher.add(1, { key: 'y', tag: 'y' });
  batcher.add(6, { key: 'x', tag: 'x' });
  assert.deepEqual(
    batches.map((b) => [b.tag, b.items, b.reason]),
    [['x', [6], 'tokens']],
  );
  assert.deepEqual(
    [...batcher.gathering()].map((g) => [g.key, g.size]),
    [
      ['y', 1],
      ['x', 1],
    ],
  );
  assert.deepEqual(batcher.close(), [1, 6]);
  assert.equal(batcher.waiting, 0);
});

test('an item whose signal aborts while it waits leaves its batch and is reported with the reason', async () => {
  const { batcher, batches, aborted } = collecting<string>({ maxBatchSize: 10, maxWaitMs: 20 });
  const controller = new AbortController();
  batcher.add('gone', { tag: 't', signal: controller.signal });
  batcher.add('kept', { tag: 't' });
  controller.abort(new Error('caller timed out'));
  await sleep(60);
  assert.deepEqual(aborted, [['gone', controller.signal.reason]]);
  assert.deepEqual(
    batches.map((b) => b.items),
    [['kept']],
  );
});
