import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncPushQueue } from '../../../shared/async/async-push-queue.ts';

test('items pushed before and while the consumer waits come out in order, then the end', async () => {
  const queue = new AsyncPushQueue<number>();
  queue.push(1);
  setImmediate(() => {
    queue.push(2);
    queue.end();
  });
  const seen: number[] = [];
  for await (const item of queue) seen.push(item);
  assert.deepEqual(seen, [1, 2]);
});

test('take() with a signal rejects with its reason when nothing comes in time; a later item waits for the next take', async () => {
  const queue = new AsyncPushQueue<string>();
  // AbortSignal.timeout's timer does not keep a process alive: this one does, until the take settled.
  const keepAlive = setInterval(() => undefined, 1_000);
  await assert
    .rejects(queue.take(AbortSignal.timeout(20)), { name: 'TimeoutError' })
    .finally(() => clearInterval(keepAlive));
  queue.push('late');
  assert.deepEqual(await queue.take(), { done: false, value: 'late' });
});

test('a failure is thrown after the items pushed before it; leaving early calls onStop once', async () => {
  const queue = new AsyncPushQueue<number>();
  queue.push(1);
  queue.fail(new Error('upstream broke'));
  const seen: number[] = [];
  await assert.rejects(
    (async () => {
      for await (const item of queue) seen.push(item);
    })(),
    /upstream broke/,
  );
  assert.deepEqual(seen, [1]);

  let stops = 0;
  const early = new AsyncPushQueue<number>(() => stops++);
  early.push(1);
  early.push(2);
  for await (const item of early) if (item === 1) break;
  assert.equal(stops, 1);
});
