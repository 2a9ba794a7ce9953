/**
 * Starts the stage handler's attempts (one HandlerAttempt object each) and
 * aborts them: forced shutdown and handler timeouts walk the set of running
 * attempts (one sweep timer) instead of a listener and a timer per attempt.
 */
import { KpoError, toKpoError } from '../errors/kpo-error.ts';
import type { BatchingProducer } from './batching-producer.ts';
import {
  HandlerAttempt,
  safely,
  type AttemptOwner,
  type AttemptResult,
  type Identity,
} from './handler-attempt.ts';
import { IdentityHeaderBuilder } from './identity-headers.ts';
import type { CompiledStageWorkerOptions } from './stage-worker-options.ts';
import type { WorkItem } from './work-item.ts';

/** How often handler deadlines are checked: a timeout fires up to this late. */
const SWEEP_MS = 50;

export class AttemptRunner<In, Out> implements AttemptOwner<In, Out> {
  private readonly running = new Set<HandlerAttempt<In, Out>>();
  private sweeper: NodeJS.Timeout | undefined;
  /** @internal */
  readonly identityHeaders: IdentityHeaderBuilder;

  constructor(
    /** @internal */ readonly options: CompiledStageWorkerOptions<In, Out>,
    /** @internal */ readonly producer: BatchingProducer,
    /** Aborts every running attempt at forced shutdown. */
    forcedStop: AbortSignal,
  ) {
    this.identityHeaders = new IdentityHeaderBuilder(options.stage);
    forcedStop.addEventListener(
      'abort',
      () => {
        const reason = new KpoError('KPO_CANCELLED', 'worker stopped before the handler finished', {
          context: { stage: options.stage },
        });
        for (const attempt of this.running) attempt.abort(reason);
      },
      { once: true },
    );
  }

  private sweep(): void {
    const now = performance.now();
    for (const attempt of this.running) {
      if (attempt.deadline <= now) {
        const { handlerTimeoutMs } = this.options.settings;
        attempt.abort(
          new KpoError('KPO_TIMEOUT', `handler ran past ${handlerTimeoutMs} ms`, {
            retryable: true,
            context: this.context(attempt),
          }),
        );
      }
    }
    if (this.running.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Never rejects: a failure comes back as a KpoError in the result. */
  run(item: WorkItem, input: In, identity: Identity, attempt: number): Promise<AttemptResult> {
    const { handler, settings, instrumentation } = this.options;
    const running = new HandlerAttempt(this, item, identity, attempt, performance.now());
    this.running.add(running);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(SWEEP_MS, settings.handlerTimeoutMs));
    if (instrumentation.onHandlerStart) safely(() => instrumentation.onHandlerStart?.(item.source, attempt));
    return running.run(handler, input);
  }

  /** @internal The attempt settled: the handler returned (failed false) or threw / was aborted. */
  finished(running: HandlerAttempt<In, Out>, failed: boolean, error: unknown): AttemptResult {
    this.running.delete(running);
    const durationMs = performance.now() - running.startedAt;
    if (!failed) {
      const { instrumentation } = this.options;
      if (instrumentation.onHandlerEnd)
        safely(() => instrumentation.onHandlerEnd?.(running.source, 'ok', durationMs));
      return { durationMs, emitted: running.emitted };
    }
    return {
      error: toKpoError(error, 'KPO_HANDLER').withContext(this.context(running)),
      durationMs,
      emitted: running.emitted,
    };
  }

  /** @internal */
  context(running: HandlerAttempt<In, Out>): KpoError['context'] {
    const { source } = running.item;
    return {
      stage: this.options.stage,
      topic: source.topic,
      partition: source.partition,
      offset: source.offset,
      requestId: running.identity.requestId,
      sessionId: running.identity.sessionId,
      attempt: running.attempt,
    };
  }
}
