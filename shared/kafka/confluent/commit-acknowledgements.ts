/**
 * When a commit is stored. The binding's commitCb calls librdkafka's
 * commitAsync and calls back once the commit is queued, not once the group
 * coordinator stored it (its KafkaJS layer's commitOffsets resolves as early).
 * The outcome comes later through offset_commit_cb, in the order the commits
 * were made. CommitAcknowledgements pairs each commit with that outcome, so
 * the port's commit() resolves when the offsets are stored and rejects with
 * the coordinator's error when they are not.
 */
import type { PartitionOffset } from '../kafka-port.ts';
import type { LibrdkafkaError } from './librdkafka-binding.ts';
import { confluentKafkaError } from './confluent-errors.ts';

interface Waiter {
  readonly key: string;
  readonly size: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/** What offset_commit_cb hands over per partition: the committed offset, or an Error for a partition that failed. */
type CommittedEntry =
  { readonly topic: string; readonly partition: number; readonly offset?: number } | Error;

const keyOf = (entries: readonly { topic: string; partition: number; offset: string }[]): string =>
  entries
    .map(({ topic, partition, offset }) => `${topic}\u0000${partition}@${offset}`)
    .sort()
    .join('\n');

export class CommitAcknowledgements {
  private readonly waiting: Waiter[] = [];

  constructor(private readonly timeoutMs: number) {}

  /** Resolves when the coordinator stored `offsets`; call it before the commit is queued. */
  expect(offsets: readonly PartitionOffset[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        key: keyOf(offsets),
        size: offsets.length,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          reject(
            confluentKafkaError(
              new Error(`no answer from the group coordinator within ${this.timeoutMs} ms`),
              'commit failed',
              { topic: offsets[0]?.topic, partition: offsets[0]?.partition },
            ),
          );
        }, this.timeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** A commit that failed before it was queued: its waiter goes. */
  abandon(offsets: readonly PartitionOffset[], error: Error): void {
    const key = keyOf(offsets);
    const waiter = this.waiting.find((w) => w.key === key);
    if (waiter) this.settle(waiter, error);
  }

  /** offset_commit_cb: the outcome of the oldest commit of these offsets. */
  onCommitted(error: LibrdkafkaError | undefined, entries: readonly CommittedEntry[]): void {
    const partitionError = entries.find((e): e is Error => e instanceof Error);
    const stored = entries.filter((e): e is Exclude<CommittedEntry, Error> => !(e instanceof Error));
    const key =
      partitionError === undefined
        ? keyOf(stored.map((e) => ({ topic: e.topic, partition: e.partition, offset: String(e.offset) })))
        : undefined;
    // A failed partition comes back as a bare Error (no topic): match such an outcome by order and size.
    const waiter =
      this.waiting.find((w) => w.key === key) ?? this.waiting.find((w) => w.size === entries.length);
    if (!waiter) return;
    const failure = error ?? partitionError;
    this.settle(waiter, failure ? confluentKafkaError(failure, 'commit failed') : undefined);
  }

  /** Closing: nothing more will be answered. */
  failAll(error: Error): void {
    for (const waiter of [...this.waiting]) this.settle(waiter, error);
  }

  private settle(waiter: Waiter, error: Error | undefined): void {
    this.remove(waiter);
    if (error) waiter.reject(error);
    else waiter.resolve();
  }

  private remove(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const index = this.waiting.indexOf(waiter);
    if (index >= 0) this.waiting.splice(index, 1);
  }
}
