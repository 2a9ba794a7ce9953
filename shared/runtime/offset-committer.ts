/**
 * Commits released offsets every commitIntervalMs (one commit in flight at a
 * time), on demand before a rebalance, and once more at shutdown. A failed
 * commit is not fatal: the next one carries the same or a later position.
 * After a failure the timer backs off (doubling up to MAX_RETRY_BACKOFF_MS):
 * while a group coordinator is down or moving, a worker would otherwise send
 * (and log) a failing commit every commitIntervalMs.
 */
import type { ConsumerPort } from '../kafka/kafka-port.ts';
import { safely } from './handler-attempt.ts';
import type { OffsetTracker } from './offset-tracker.ts';
import type { WorkerInstrumentation } from './worker-instrumentation.ts';
import type { WorkerLogger } from './worker-logger.ts';

/** The longest pause of the timer's commits after failed ones. */
export const MAX_RETRY_BACKOFF_MS = 2_000;

export class OffsetCommitter {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Failed commits in a row. */
  private failures = 0;
  /** The timer commits again no sooner than this (after failures). */
  private retryAtMs = 0;

  constructor(
    private readonly consumer: ConsumerPort,
    private readonly tracker: OffsetTracker,
    private readonly intervalMs: number,
    private readonly instrumentation: WorkerInstrumentation,
    private readonly logger: WorkerLogger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      if (Date.now() >= this.retryAtMs) void this.commitNow();
    }, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Commits what is released now; joins a commit already in flight, then commits anything newer. */
  async commitNow(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    const positions = this.tracker.commitPositions();
    if (positions.length === 0) return;
    this.inFlight = this.consumer
      .commit(positions)
      .then(() => {
        this.failures = 0;
        this.retryAtMs = 0;
        for (const position of positions) {
          this.tracker.markCommitted(position);
          safely(() =>
            this.instrumentation.onCommitted?.(
              { topic: position.topic, partition: position.partition },
              position.offset,
            ),
          );
        }
      })
      .catch((error: unknown) => {
        this.failures += 1;
        const backoffMs = Math.min(MAX_RETRY_BACKOFF_MS, this.intervalMs * 2 ** this.failures);
        this.retryAtMs = Date.now() + backoffMs;
        this.logger.warn(
          { error: String(error), partitions: positions.length, failures: this.failures, backoffMs },
          'offset commit failed; will retry',
        );
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    await this.inFlight;
  }
}
