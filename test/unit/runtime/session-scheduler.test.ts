import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SessionScheduler } from '../../../shared/runtime/session-scheduler.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function controlled() {
  const gates = new Map<string, () => void>();
  const log: string[] = [];
  const run = (item: string): Promise<void> =>
    new Promise((resolve) => {
      log.push(`start ${item}`);
      gates.set(item, () => {
        log.push(`end ${item}`);
        resolve();
      });
    });
  return { gates, log, run };
}

test('items of one session run one at a time in enqueue order', async () => {
  const { gates, log, run } = controlled();
  const scheduler = new SessionScheduler<string>(4, run);
  scheduler.enqueue('a', 'a1');
  scheduler.enqueue('a', 'a2');
  scheduler.enqueue('a', 'a3');
  await tick();
  assert.deepEqual(log, ['start a1']);
  gates.get('a1')!();
  await tick();
  gates.get('a2')!();
  await tick();
  assert.deepEqual(log, ['start a1', 'end a1', 'start a2', 'end a2', 'start a3']);
});

test('different sessions run concurrently up to the limit, then wait for a free slot', async () => {
  const { gates, log, run } = controlled();
  const scheduler = new SessionScheduler<string>(2, run);
  for (const s of ['a', 'b', 'c']) scheduler.enqueue(s, `${s}1`);
  await tick();
  assert.deepEqual(log, ['start a1', 'start b1']);
  assert.equal(scheduler.runningCount, 2);
  assert.equal(scheduler.queued, 1);
  gates.get('b1')!();
  await tick();
  assert.deepEqual(log.slice(-1), ['start c1']);
});

test('sessions are served round-robin: a long session does not starve a newer one', async () => {
  const { gates, log, run } = controlled();
  const scheduler = new SessionScheduler<string>(1, run);
  scheduler.enqueue('a', 'a1');
  scheduler.enqueue('a', 'a2');
  scheduler.enqueue('b', 'b1');
  await tick();
  gates.get('a1')!();
  await tick();
  assert.deepEqual(log.slice(-1), ['start b1']);
});

test('idle() waits for queued and running items; after stopStarting only for running ones', async () => {
  const { gates, run } = controlled();
  const scheduler = new SessionScheduler<string>(1, run);
  scheduler.enqueue('a', 'a1');
  scheduler.enqueue('b', 'b1');
  let idle = false;
  void scheduler.idle().then(() => (idle = true));
  await tick();
  scheduler.stopStarting();
  await tick();
  assert.equal(idle, false);
  gates.get('a1')!();
  await tick();
  assert.equal(idle, true);
  assert.equal(gates.has('b1'), false, 'a queued item started after stopStarting');
});

test('a throwing run does not stall its session', async () => {
  const seen: string[] = [];
  const scheduler = new SessionScheduler<string>(1, async (item) => {
    seen.push(item);
    if (item === 'a1') throw new Error('boom');
  });
  scheduler.enqueue('a', 'a1');
  scheduler.enqueue('a', 'a2');
  await scheduler.idle();
  assert.deepEqual(seen, ['a1', 'a2']);
});

test('a throwing onDone is reported, raises no unhandled rejection and the session goes on (defect 10)', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  process.on('unhandledRejection', onUnhandled);
  try {
    const { gates, log, run } = controlled();
    const reported: string[] = [];
    const scheduler = new SessionScheduler<string>(
      2,
      run,
      (item) => {
        if (item === 'a1') throw new Error('bookkeeping failed');
      },
      (error, item) => reported.push(`${item}: ${error instanceof Error ? error.message : String(error)}`),
    );
    scheduler.enqueue('a', 'a1');
    scheduler.enqueue('a', 'a2');
    await tick();
    gates.get('a1')!();
    await tick();
    await tick();
    gates.get('a2')?.();
    await tick();
    assert.deepEqual(log, ['start a1', 'end a1', 'start a2', 'end a2']);
    assert.deepEqual(reported, ['a1: bookkeeping failed']);
    assert.equal(scheduler.runningCount, 0);
    await scheduler.idle();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
