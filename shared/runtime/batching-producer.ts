/**
 * Coalesces outputs into produce requests without adding latency: an output
 * sent while no request is in flight goes out on the next turn of the event
 * loop; outputs sent while a request is in flight wait for it and then go out
 * together (up to maxBatch per request). With the idempotent producer's one
 * request in flight this is what keeps throughput up under concurrency.
 */
import { toKpoError } from '../errors/kpo-error.ts';
import type { OutgoingRecord, ProducerPort } from '../kafka/kafka-port.ts';

interface Pending {
  readonly record: OutgoingRecord;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

export class BatchingProducer {
  private pending: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    private readonly producer: ProducerPort,
    private readonly maxBatch: number,
  ) {}

  /** Resolves once the broker acknowledged the record (acks=all); rejects with a KpoError. */
  send(record: OutgoingRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every record sent so far was acknowledged or failed. */
  drained(): Promise<void> {
    if (!this.flushing && !this.scheduled && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      try {
        await this.producer.send(batch.map((p) => p.record));
        for (const p of batch) p.resolve();
      } catch (error) {
        const failure = toKpoError(error, 'KPO_KAFKA');
        for (const p of batch) p.reject(failure);
      }
    }
    this.flushing = false;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
