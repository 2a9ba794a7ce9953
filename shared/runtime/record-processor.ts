/**
 * Takes one record from bytes to a final outcome: decode → identify → reject
 * (admission) / shed (deadline, max age) → handler attempts with retries →
 * dead letter. Never throws: every record ends "done" (its offset may be
 * committed) or "abandoned" (forced shutdown or revoked partition: it will be
 * delivered again, to this worker or another).
 */
import { sleepUnlessAborted } from '../timers/sleep-unless-aborted.ts';
import { KpoError } from '../errors/kpo-error.ts';
import type { ErrorCode } from '../errors/error-codes.ts';
import type { DeadLetterWriter } from './dead-letter-writer.ts';
import type { AttemptRunner } from './attempt-runner.ts';
import { safely, type AttemptResult, type Identity } from './handler-attempt.ts';
import type { RetryPolicy } from './retry-policy.ts';
import type { RecordFailure } from './stage-handler.ts';
import type { CompiledStageWorkerOptions } from './stage-worker-options.ts';
import type { WorkItem } from './work-item.ts';

export type RecordOutcome = 'done' | 'abandoned';

const EMPTY = Buffer.alloc(0);
const DONE: RecordOutcome = 'done';
const ABANDONED: Promise<RecordOutcome> = Promise.resolve('abandoned');

function asNonRetryable(error: unknown, code: ErrorCode): KpoError {
  if (error instanceof KpoError) return error;
  return new KpoError(code, error instanceof Error ? error.message : String(error), { cause: error });
}

export class RecordProcessor<In, Out> {
  constructor(
    private readonly options: CompiledStageWorkerOptions<In, Out>,
    private readonly attempts: AttemptRunner<In, Out>,
    private readonly retry: RetryPolicy,
    private readonly deadLetters: DeadLetterWriter,
    private readonly forcedStop: AbortSignal,
  ) {}

  /**
   * The common case (decodes, handler succeeds first time) is a chain of
   * then() callbacks without async functions in between: per record that saves
   * several promises and microtask turns; every other path is async code below.
   */
  process(item: WorkItem): Promise<RecordOutcome> {
    if (!item.handle.active || this.forcedStop.aborted) return ABANDONED;
    let decoding: Promise<In>;
    try {
      decoding = this.options.inputCodec.decode(item.raw.value ?? EMPTY);
    } catch (error) {
      decoding = Promise.reject(asNonRetryable(error, 'KPO_DECODE_BODY'));
    }
    return decoding.then(
      (input) => this.decoded(item, input),
      (error: unknown) => this.decodeFailed(item, error),
    );
  }

  private async decodeFailed(item: WorkItem, error: unknown): Promise<RecordOutcome> {
    const decoded = await this.decodeAgain(item, error);
    if (decoded === 'abandoned') return decoded;
    if (decoded instanceof KpoError) return this.deadLetter(item, decoded, 1);
    return this.decoded(item, decoded.input);
  }

  private decoded(item: WorkItem, input: In): Promise<RecordOutcome> {
    let identity: Identity;
    try {
      identity = this.options.handler.identify(input);
    } catch (error) {
      return this.deadLetter(item, asNonRetryable(error, 'KPO_VALIDATION'), 1);
    }
    if (item.rejected) return this.reject(item, identity);
    let shedReason: 'deadline' | 'max_age' | undefined;
    try {
      shedReason = this.shedReason(item, input);
    } catch (error) {
      // A throw here must still end the record: else its offset is never released and the partition stops committing.
      return this.deadLetter(
        item,
        asNonRetryable(error, 'KPO_VALIDATION').withContext(this.context(item, identity)),
        1,
        identity,
      );
    }
    if (shedReason) return this.shed(item, identity, shedReason);
    return this.attempts
      .run(item, input, identity, 1)
      .then((result) => (result.error ? this.afterFailure(item, input, identity, 1, result) : DONE));
  }

  private async reject(item: WorkItem, identity: Identity): Promise<RecordOutcome> {
    safely(() => this.options.instrumentation.onRejected?.(item.source, 'backlog'));
    const error = new KpoError('KPO_REJECTED_BACKLOG', 'backlog over the admission limit', {
      context: this.context(item, identity),
    });
    return this.report(item, error, 0, 'rejected', identity);
  }

  private async shed(
    item: WorkItem,
    identity: Identity,
    shedReason: 'deadline' | 'max_age',
  ): Promise<RecordOutcome> {
    safely(() => this.options.instrumentation.onShed?.(item.source, shedReason));
    const error = new KpoError(
      'KPO_SHED_EXPIRED',
      shedReason === 'deadline'
        ? 'deadline passed before the record was handled'
        : 'record older than maxAgeMs',
      { context: this.context(item, identity) },
    );
    return this.report(item, error, 0, 'shed', identity);
  }

  /** The first decode failed: retry while the failure is retryable (a registry outage), else give it back. */
  private async decodeAgain(
    item: WorkItem,
    firstError: unknown,
  ): Promise<{ input: In } | KpoError | 'abandoned'> {
    let error = firstError;
    for (let attempt = 1; ; attempt += 1) {
      const failure = asNonRetryable(error, 'KPO_DECODE_BODY').withContext(this.context(item));
      const decision = this.retry.decide(failure, attempt);
      if (!decision.retry) return failure;
      safely(() => this.options.instrumentation.onRetry?.(item.source, attempt, decision.delayMs, failure));
      if (!(await sleepUnlessAborted(decision.delayMs, this.forcedStop))) return 'abandoned';
      try {
        return { input: await this.options.inputCodec.decode(item.raw.value ?? EMPTY) };
      } catch (next) {
        error = next;
      }
    }
  }

  private shedReason(item: WorkItem, input: In): 'deadline' | 'max_age' | undefined {
    const now = Date.now();
    const { maxAgeMs } = this.options.settings;
    if (maxAgeMs > 0 && now - item.source.timestampMs > maxAgeMs) return 'max_age';
    const deadline = this.options.handler.deadlineOf?.(input);
    if (deadline !== undefined && now > deadline) return 'deadline';
    return undefined;
  }

  /** Attempt `attempt` failed: retry (backoff) while the policy says so, else dead-letter. */
  private async afterFailure(
    item: WorkItem,
    input: In,
    identity: Identity,
    firstAttempt: number,
    firstResult: AttemptResult,
  ): Promise<RecordOutcome> {
    const { instrumentation, settings } = this.options;
    let result = firstResult;
    for (let attempt = firstAttempt; ; attempt += 1) {
      const { error, durationMs } = result;
      if (!error) return 'done';
      if (this.forcedStop.aborted || !item.handle.active) return 'abandoned';
      const decision = this.retry.decide(error, attempt);
      // A timed-out handler may still be running: after it wrote outputs, another attempt would write beside it.
      const stillRunningWithOutputs = error.code === 'KPO_TIMEOUT' && result.emitted;
      if (decision.retry && !stillRunningWithOutputs) {
        safely(() => instrumentation.onHandlerEnd?.(item.source, 'retry', durationMs, error));
        safely(() => instrumentation.onRetry?.(item.source, attempt, decision.delayMs, error));
        if (!(await sleepUnlessAborted(decision.delayMs, this.forcedStop))) return 'abandoned';
        result = await this.attempts.run(item, input, identity, attempt + 1);
        continue;
      }
      safely(() => instrumentation.onHandlerEnd?.(item.source, 'failed', durationMs, error));
      const final =
        !decision.retry && decision.exhausted
          ? new KpoError(
              'KPO_RETRIES_EXHAUSTED',
              `all ${settings.retry.maxAttempts} attempts failed; last: ${error.code}: ${error.message}`,
              { cause: error, context: error.context },
            )
          : error;
      return this.deadLetter(item, final, attempt, identity);
    }
  }

  /** Writes the dead letter (retrying until it lands or the worker is forced to stop), then reports. */
  private async deadLetter(
    item: WorkItem,
    error: KpoError,
    attempts: number,
    identity?: Identity,
  ): Promise<RecordOutcome> {
    for (let writeAttempt = 1; ; writeAttempt += 1) {
      try {
        await this.deadLetters.write({
          raw: item.raw,
          error,
          attempts,
          guard: item.handle,
          ...identity,
        });
        break;
      } catch (writeError) {
        if (!item.handle.active) return 'abandoned';
        this.options.logger.warn(
          { ...this.context(item), writeAttempt, error: String(writeError) },
          'dead-letter write failed, retrying',
        );
        if (!(await sleepUnlessAborted(this.retry.backoffMs(writeAttempt), this.forcedStop)))
          return 'abandoned';
      }
    }
    safely(() => this.options.instrumentation.onDeadLettered?.(item.source, error));
    return this.report(item, error, attempts, 'failed', identity);
  }

  /**
   * Tells the client (onRecordFailure) and only then lets the record be committed: a report that fails is
   * tried again until it lands, the partition is revoked or the worker is forced to stop ('abandoned': the
   * record is delivered again and reported by whoever takes it).
   */
  private async report(
    item: WorkItem,
    error: KpoError,
    attempts: number,
    outcome: RecordFailure['outcome'],
    identity?: Identity,
  ): Promise<RecordOutcome> {
    const callback = this.options.onRecordFailure;
    if (!callback) return 'done';
    const failure: RecordFailure = {
      stage: this.options.stage,
      error,
      attempts,
      source: item.source,
      outcome,
      ...identity,
    };
    for (let reportAttempt = 1; ; reportAttempt += 1) {
      try {
        await callback(failure);
        return 'done';
      } catch (callbackError) {
        this.options.logger.warn(
          { ...this.context(item), reportAttempt, error: String(callbackError) },
          'failure report (onRecordFailure) failed, retrying',
        );
      }
      if (!item.handle.active) return 'abandoned';
      if (!(await sleepUnlessAborted(this.retry.backoffMs(reportAttempt), this.forcedStop)))
        return 'abandoned';
    }
  }

  private context(item: WorkItem, identity?: Identity): KpoError['context'] {
    return {
      stage: this.options.stage,
      topic: item.source.topic,
      partition: item.source.partition,
      offset: item.source.offset,
      ...(identity ? { requestId: identity.requestId, sessionId: identity.sessionId } : {}),
    };
  }
}
