/**
 * Takes fetched records into the worker: skips re-deliveries of offsets the
 * worker already holds, stops at the in-flight budget (the rest of the batch
 * is fetched again after resume), marks records admission refuses, and hands
 * each record to the session scheduler in offset order.
 */
import type { ConsumedBatch } from '../kafka/kafka-port.ts';
import type { BackpressureGate } from './backpressure-gate.ts';
import { safely } from './handler-attempt.ts';
import type { OffsetTracker } from './offset-tracker.ts';
import type { RecordOutcome } from './record-processor.ts';
import type { SessionScheduler } from './session-scheduler.ts';
import type { WorkerInstrumentation } from './worker-instrumentation.ts';
import { TakenRecord, type WorkItem } from './work-item.ts';

export interface IntakeSettings {
  /** 0 = no admission limit. */
  readonly admissionLimit: number;
  /** Requests later stages still hold (request-backlog-probe.ts), counted against the admission limit too. */
  readonly admissionBacklog?: () => number;
}

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class BatchIntake {
  /** Per partition: records between our next expected offset and the high watermark. */
  private readonly lagByPartition = new Map<string, number>();

  constructor(
    private readonly settings: IntakeSettings,
    private readonly tracker: OffsetTracker,
    private readonly gate: BackpressureGate,
    private readonly scheduler: SessionScheduler<WorkItem, RecordOutcome>,
    private readonly instrumentation: WorkerInstrumentation,
    private readonly accepting: () => boolean,
  ) {}

  /** Total lag over assigned partitions as last fetched. */
  get lag(): number {
    let total = 0;
    for (const lag of this.lagByPartition.values()) total += lag;
    return total;
  }

  forget(topic: string, partition: number): void {
    this.lagByPartition.delete(tpKey(topic, partition));
  }

  /** Returns how many records of the batch were taken (skipped re-deliveries count as taken). */
  take(batch: ConsumedBatch): number {
    const { topic, partition } = batch;
    const high = Number(batch.highWatermark);
    const key = tpKey(topic, partition);
    const { admissionLimit, admissionBacklog } = this.settings;
    const otherLag =
      this.lag - (this.lagByPartition.get(key) ?? 0) + (admissionLimit > 0 ? (admissionBacklog?.() ?? 0) : 0);
    const intake = this.tracker.partition(topic, partition);
    const { instrumentation } = this;
    let taken = 0;
    for (const raw of batch.records) {
      if (!this.accepting()) break;
      const offset = Number(raw.offset);
      if (intake.isTaken(offset)) {
        taken += 1;
        continue;
      }
      if (!this.gate.hasRoom(this.tracker.inFlight)) break;
      const handle = intake.track(raw.offset, offset);
      const rejected =
        admissionLimit > 0 &&
        otherLag + Math.max(0, high - offset - 1) + this.tracker.inFlight > admissionLimit;
      const item = new TakenRecord(raw, handle, rejected);
      if (instrumentation.onFetched) {
        try {
          instrumentation.onFetched(item.source, this.tracker.inFlight);
        } catch {
          // instrumentation must not break the worker
        }
      }
      // Session = the key. (The same key on two partitions shares one session: only stricter order.)
      // A record without a key is a session of its own.
      this.scheduler.enqueue(raw.key === null ? {} : raw.key.toString('latin1'), item);
      taken += 1;
    }
    const next = this.tracker.nextExpected(topic, partition);
    const lag = next === undefined ? 0 : Math.max(0, high - next);
    this.lagByPartition.set(key, lag);
    safely(() => this.instrumentation.onLag?.({ topic, partition }, lag));
    this.gate.update(this.tracker.inFlight);
    return taken;
  }
}
