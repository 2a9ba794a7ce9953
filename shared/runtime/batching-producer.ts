/**
 * Coalesces outputs into produce requests without adding latency: an output
 * sent while no request is in flight goes out on the next turn of the event
 * loop; outputs sent while a request is in flight wait for it and then go out
 * together (up to maxBatch per request). With the idempotent producer's one
 * request in flight this is what keeps throughput up under concurrency.
 *
 * hold()/release() fence a rebalance: while held nothing is sent; on release
 * records whose guard says their source partition was revoked are refused
 * (KPO_CANCELLED) instead of sent, so an old owner cannot write after the
 * new owner started.
 */
import { KpoError, toKpoError } from '../errors/kpo-error.ts';
import type { OutgoingRecord, ProducerPort } from '../kafka/kafka-port.ts';

interface Pending {
  readonly record: OutgoingRecord;
  readonly guard: SendGuard | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** A record is sent only while its guard is active (its source partition still assigned). */
export interface SendGuard {
  readonly active: boolean;
}

const revoked = (): KpoError =>
  new KpoError('KPO_CANCELLED', 'source partition revoked before the output was sent');

export class BatchingProducer {
  private pending: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private drainWaiters: (() => void)[] = [];
  private held = false;

  constructor(
    private readonly producer: ProducerPort,
    private readonly maxBatch: number,
  ) {}

  /** Resolves once the broker acknowledged the record (acks=all); rejects with a KpoError. */
  send(record: OutgoingRecord, guard?: SendGuard): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ record, guard, resolve, reject });
      this.schedule();
    });
  }

  /** Stops sending until release(). */
  hold(): void {
    this.held = true;
  }

  /** Sends again (records whose guard fails are refused at send time). */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.schedule();
  }

  /** Resolves when every record sent so far was acknowledged or failed. */
  drained(): Promise<void> {
    if (!this.flushing && !this.scheduled && (this.pending.length === 0 || this.held))
      return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.flushing || this.scheduled || this.held) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.pending.length > 0 && !this.held) {
      const batch: Pending[] = [];
      for (const p of this.pending.splice(0, this.maxBatch)) {
        if (p.guard && !p.guard.active) p.reject(revoked());
        else batch.push(p);
      }
      if (batch.length === 0) continue;
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
