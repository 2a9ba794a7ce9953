import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { ConsumerPort, PartitionOffset } from '../../../shared/kafka/kafka-port.ts';
import { MAX_RETRY_BACKOFF_MS, OffsetCommitter } from '../../../shared/runtime/offset-committer.ts';
import { OffsetTracker } from '../../../shared/runtime/offset-tracker.ts';

/** A consumer whose commits fail while `failing` is set; counts the attempts. */
class CommitCountingConsumer implements Pick<ConsumerPort, 'commit'> {
  attempts = 0;
  committed: PartitionOffset[] = [];
  failing = true;

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    this.attempts += 1;
    if (this.failing) throw new Error('The group coordinator is not available');
    this.committed.push(...offsets);
  }
}

const quiet = { info() {}, warn() {}, error() {} };

/** Lets the committer's promise chains settle between fake-timer ticks. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

test('a failing commit is retried with a growing pause, not every interval, and commits once it works', async () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'] });
  try {
    const consumer = new CommitCountingConsumer();
    const tracker = new OffsetTracker();
    tracker.complete(tracker.track('t', 0, '0'));
    const committer = new OffsetCommitter(consumer as unknown as ConsumerPort, tracker, 100, {}, quiet);
    committer.start();
    // 20 s of a coordinator that does not answer: 200 intervals of 100 ms.
    for (let i = 0; i < 200; i++) {
      mock.timers.tick(100);
      await settle();
    }
    // Unpatched: 200 attempts. With backoff 200, 400, 800, 1600, then 2000 ms: about 14.
    assert.ok(consumer.attempts <= 20000 / MAX_RETRY_BACKOFF_MS + 5, `attempts: ${consumer.attempts}`);
    assert.ok(consumer.attempts >= 5, `attempts: ${consumer.attempts}`);
    consumer.failing = false;
    for (let i = 0; i < 25; i++) {
      mock.timers.tick(100);
      await settle();
    }
    assert.deepEqual(consumer.committed, [{ topic: 't', partition: 0, offset: '1' }]);
    committer.stop();
  } finally {
    mock.timers.reset();
  }
});
