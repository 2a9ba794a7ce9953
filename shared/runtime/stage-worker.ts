/**
 * StageWorker: one stage's consumer-group member. Wires the pieces
 *   consumer port → BatchIntake → SessionScheduler → RecordProcessor
 *   (AttemptRunner → HandlerAttempt, RetryPolicy, DeadLetterWriter) → BatchingProducer
 *   → OffsetTracker → OffsetCommitter, with BackpressureGate and WorkerLifecycle
 * and owns start and graceful stop. Delivery semantics: shared/runtime/README.md.
 */
import { setMaxListeners } from 'node:events';
import { KpoError } from '../errors/kpo-error.ts';
import type { AssignmentChange, ConsumerPort, ProducerPort } from '../kafka/kafka-port.ts';
import { BackpressureGate } from './backpressure-gate.ts';
import { BatchIntake } from './batch-intake.ts';
import { BatchingProducer } from './batching-producer.ts';
import { DeadLetterWriter } from './dead-letter-writer.ts';
import { AttemptRunner } from './attempt-runner.ts';
import { safely } from './handler-attempt.ts';
import { settlesWithin } from '../timers/settles-within.ts';
import { OffsetCommitter } from './offset-committer.ts';
import { OffsetTracker } from './offset-tracker.ts';
import { RecordProcessor, type RecordOutcome } from './record-processor.ts';
import { RetryPolicy } from './retry-policy.ts';
import { SessionScheduler } from './session-scheduler.ts';
import {
  compileStageWorkerOptions,
  type CompiledStageWorkerOptions,
  type StageWorkerOptions,
} from './stage-worker-options.ts';
import { WorkerLifecycle, type WorkerState } from './worker-lifecycle.ts';
import type { WorkItem } from './work-item.ts';

export interface StageWorkerStats {
  readonly state: WorkerState;
  /** Taken and not yet released (the budget queueDepth bounds). */
  readonly inFlight: number;
  readonly running: number;
  readonly queued: number;
  readonly paused: boolean;
  readonly lag: number;
  readonly assigned: number;
}

/** How long a forced stop waits for aborted handlers to return before closing anyway. */
const ABORT_SETTLE_MS = 2_000;
const FINAL_COMMIT_TIMEOUT_MS = 5_000;

export class StageWorker<In, Out> {
  readonly options: CompiledStageWorkerOptions<In, Out>;
  private readonly lifecycle = new WorkerLifecycle();
  private readonly forcedStop = new AbortController();
  private readonly tracker = new OffsetTracker();
  private readonly consumer: ConsumerPort;
  private readonly producer: ProducerPort;
  private readonly output: BatchingProducer;
  private readonly scheduler: SessionScheduler<WorkItem, RecordOutcome>;
  private readonly gate: BackpressureGate;
  private readonly intake: BatchIntake;
  private readonly committer: OffsetCommitter;
  private stopping: Promise<void> | undefined;

  /** Throws KpoError KPO_CONFIG_INVALID when options are invalid or contradict each other. */
  constructor(options: StageWorkerOptions<In, Out>) {
    const compiled = (this.options = compileStageWorkerOptions(options));
    const { settings, instrumentation } = compiled;
    // Every running attempt listens for the forced stop.
    setMaxListeners(0, this.forcedStop.signal);
    this.lifecycle.onChange((state) => safely(() => instrumentation.onStateChange?.(state)));
    this.consumer = compiled.kafka.createConsumer({
      groupId: compiled.groupId,
      sessionTimeoutMs: settings.sessionTimeoutMs,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      maxWaitTimeMs: compiled.fetchMaxWaitMs,
    });
    this.producer = compiled.kafka.createProducer();
    this.output = new BatchingProducer(this.producer, compiled.maxProduceBatch);
    const attempts = new AttemptRunner(compiled, this.output, this.forcedStop.signal);
    const deadLetters = new DeadLetterWriter(
      compiled.stage,
      compiled.deadLetterTopic,
      compiled.deadLetterCodec,
      this.output,
    );
    const processor = new RecordProcessor(
      compiled,
      attempts,
      new RetryPolicy(settings.retry),
      deadLetters,
      this.forcedStop.signal,
    );
    this.scheduler = new SessionScheduler<WorkItem, RecordOutcome>(
      settings.concurrency,
      (item) => processor.process(item),
      (item, outcome) => {
        if (outcome === 'done' && this.tracker.complete(item.handle) > 0)
          this.gate.update(this.tracker.inFlight);
      },
      (error, item) =>
        compiled.logger.error(
          {
            topic: item.source.topic,
            partition: item.source.partition,
            offset: item.source.offset,
            error: String(error),
          },
          'releasing a finished record failed',
        ),
    );
    this.gate = new BackpressureGate(settings.queueDepth, compiled.lowWatermark, {
      pause: (inFlight) => {
        const partitions = this.consumer.assignment();
        this.consumer.pause(partitions);
        safely(() => instrumentation.onPaused?.(partitions, inFlight));
      },
      resume: (inFlight) => {
        const partitions = this.consumer.assignment();
        this.consumer.resume(partitions);
        safely(() => instrumentation.onResumed?.(partitions, inFlight));
      },
    });
    this.intake = new BatchIntake(
      { admissionLimit: settings.admissionLimit, admissionBacklog: compiled.admissionBacklog },
      this.tracker,
      this.gate,
      this.scheduler,
      instrumentation,
      () => this.lifecycle.state === 'running',
    );
    this.committer = new OffsetCommitter(
      this.consumer,
      this.tracker,
      compiled.commitIntervalMs,
      instrumentation,
      compiled.logger,
    );
  }

  get state(): WorkerState {
    return this.lifecycle.state;
  }

  /** Adds a state listener; returns its remover. */
  onStateChange(listener: (state: WorkerState) => void): () => void {
    return this.lifecycle.onChange(listener);
  }

  health(): { readonly live: boolean; readonly ready: boolean } {
    return { live: this.lifecycle.live, ready: this.lifecycle.ready };
  }

  stats(): StageWorkerStats {
    return {
      state: this.lifecycle.state,
      inFlight: this.tracker.inFlight,
      running: this.scheduler.runningCount,
      queued: this.scheduler.queued,
      paused: this.gate.paused,
      lag: this.intake.lag,
      assigned: this.consumer.assignment().length,
    };
  }

  /** Connects, joins the group and starts taking records; resolves once the first join completed. */
  async start(): Promise<void> {
    if (!this.lifecycle.transition('starting')) {
      throw new KpoError('KPO_INTERNAL', `cannot start a worker in state ${this.lifecycle.state}`, {
        context: { stage: this.options.stage },
      });
    }
    try {
      await this.producer.connect();
      await this.consumer.subscribe([this.options.inputTopic], { fromBeginning: true });
      this.lifecycle.transition('running');
      await this.consumer.run({
        onBatch: (batch) => this.intake.take(batch),
        onAssignmentChange: (change) => this.onAssignmentChange(change),
        onRebalancing: () => this.onRebalancing(),
        onCrash: (error) => this.fail(error),
      });
      this.committer.start();
    } catch (error) {
      this.fail(
        error instanceof KpoError ? error : new KpoError('KPO_KAFKA', String(error), { cause: error }),
      );
      await this.closeClients();
      throw error;
    }
  }

  /**
   * Eager rebalancing revokes everything first: hold all outputs until the new
   * assignment is known, so nothing of a partition that moves is written after
   * its new owner may have started; commit what is done with this generation.
   */
  private onRebalancing(): void {
    this.output.hold();
    void this.committer.commitNow();
  }

  private onAssignmentChange(change: AssignmentChange): void {
    // Revoked: queued records of these partitions are skipped when their turn comes; running ones
    // are abandoned at their next emit (refused), and never committed here. The new owner handles
    // them again from the committed offset: repeats carry the same de-dup identity.
    this.tracker.drop(change.revoked);
    this.output.release();
    for (const tp of change.revoked) this.intake.forget(tp.topic, tp.partition);
    if (this.gate.paused) this.consumer.pause(change.current);
    this.gate.update(this.tracker.inFlight);
    this.options.logger.info(
      { stage: this.options.stage, assigned: change.assigned.length, revoked: change.revoked.length },
      'assignment changed',
    );
  }

  private fail(error: KpoError): void {
    this.options.logger.error(
      { stage: this.options.stage, code: error.code, error: error.message },
      'worker failed',
    );
    this.lifecycle.transition('failed');
    this.forcedStop.abort();
  }

  /**
   * Graceful stop: stop taking records, let taken ones finish within
   * shutdownGraceMs (then abort their handlers; unfinished ones are not
   * committed and will be delivered again), commit, leave the group.
   * Idempotent: every call returns the same promise.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndClose();
    return this.stopping;
  }

  private async drainAndClose(): Promise<void> {
    const draining = this.lifecycle.transition('draining');
    if (draining) {
      this.gate.hold(this.tracker.inFlight);
      const finished = await settlesWithin(this.scheduler.idle(), this.options.settings.shutdownGraceMs);
      if (!finished) {
        this.options.logger.warn(
          {
            stage: this.options.stage,
            inFlight: this.tracker.inFlight,
            running: this.scheduler.runningCount,
          },
          'shutdown grace over: aborting running handlers',
        );
        this.scheduler.stopStarting();
        this.forcedStop.abort();
        await settlesWithin(this.scheduler.idle(), ABORT_SETTLE_MS);
      }
      await settlesWithin(this.output.drained(), ABORT_SETTLE_MS);
      this.committer.stop();
      await settlesWithin(this.committer.commitNow(), FINAL_COMMIT_TIMEOUT_MS);
    }
    this.committer.stop();
    await this.closeClients();
    if (draining) this.lifecycle.transition('stopped');
  }

  private async closeClients(): Promise<void> {
    await this.consumer.close().catch((error: unknown) => {
      this.options.logger.warn({ error: String(error) }, 'consumer close failed');
    });
    await this.producer.close().catch((error: unknown) => {
      this.options.logger.warn({ error: String(error) }, 'producer close failed');
    });
  }
}
