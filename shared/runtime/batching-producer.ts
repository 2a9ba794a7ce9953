/**
 * Coalesces outputs into produce requests without adding latency: an output
 * sent while no request is in flight goes out on the next turn of the event
 * loop; outputs sent while a request is in flight wait for it and then go out
 * together (up to maxBatch per request). With the idempotent producer's one
 * request in flight this is what keeps throughput up under concurrency.
 *
 * Each topic has its own lane (one request in flight per topic): a topic that
 * cannot be written (a deleted reply-to topic, whose send the client retries)
 * holds back only its own records, never the outputs to other topics.
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

/** The records of one topic: sent one request at a time, in order. */
class TopicLane {
  pending: Pending[] = [];
  flushing = false;
  scheduled = false;

  get idle(): boolean {
    return !this.flushing && !this.scheduled;
  }
}

export class BatchingProducer {
  private readonly lanes = new Map<string, TopicLane>();
  private drainWaiters: (() => void)[] = [];
  private held = false;

  constructor(
    private readonly producer: ProducerPort,
    private readonly maxBatch: number,
  ) {}

  /** Resolves once the broker acknowledged the record (acks=all); rejects with a KpoError. */
  send(record: OutgoingRecord, guard?: SendGuard): Promise<void> {
    return new Promise((resolve, reject) => {
      let lane = this.lanes.get(record.topic);
      if (lane === undefined) this.lanes.set(record.topic, (lane = new TopicLane()));
      lane.pending.push({ record, guard, resolve, reject });
      this.schedule(lane);
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
    for (const lane of this.lanes.values()) this.schedule(lane);
  }

  /** Resolves when every record sent so far was acknowledged or failed. */
  drained(): Promise<void> {
    if (this.isDrained()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  private isDrained(): boolean {
    for (const lane of this.lanes.values()) {
      if (!lane.idle || (lane.pending.length > 0 && !this.held)) return false;
    }
    return true;
  }

  private schedule(lane: TopicLane): void {
    if (lane.flushing || lane.scheduled || this.held) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      void this.flush(lane);
    });
  }

  private async flush(lane: TopicLane): Promise<void> {
    lane.flushing = true;
    while (lane.pending.length > 0 && !this.held) {
      const batch: Pending[] = [];
      for (const p of lane.pending.splice(0, this.maxBatch)) {
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
    lane.flushing = false;
    if (this.drainWaiters.length === 0 || !this.isDrained()) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
