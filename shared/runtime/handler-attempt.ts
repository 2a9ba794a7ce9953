/**
 * One attempt of the stage handler for one input (one object per attempt): a
 * per-attempt abort signal (handler timeout, forced shutdown), the
 * instrumentation's aroundHandler context, and emit() that encodes, stamps the
 * de-dup identity and trace headers, and produces keyed by the input key.
 * AttemptRunner (attempt-runner.ts) starts attempts and aborts them.
 *
 * Hot path (tens of thousands of records/s): one HandlerAttempt object is the
 * handler's context, its abort state and its emit(), so an attempt allocates
 * one object, one emit closure and the promises it cannot avoid. The
 * AbortController is created only when a handler reads context.signal.
 * Constant header values (stage, attempt, small seq numbers) are precomputed Buffers.
 */
import { KpoError, toKpoError } from '../errors/kpo-error.ts';
import type { IdentityHeaderBuilder } from './identity-headers.ts';
import type { BatchingProducer } from './batching-producer.ts';
import type { CompiledStageWorkerOptions } from './stage-worker-options.ts';
import type { RequestIdentity } from './request-identity.ts';
import type { EmitOptions, HandlerContext, SourceRecord, StageHandler } from './stage-handler.ts';
import type { WorkItem } from './work-item.ts';

export type Identity = RequestIdentity;

/** How an attempt went; error is set when it failed. */
export interface AttemptResult {
  readonly error?: KpoError;
  readonly durationMs: number;
  /** The attempt called emit(): some of its outputs may be on their topic. */
  readonly emitted: boolean;
}

/** What an attempt needs from the runner that started it. */
export interface AttemptOwner<In, Out> {
  readonly options: CompiledStageWorkerOptions<In, Out>;
  readonly producer: BatchingProducer;
  readonly identityHeaders: IdentityHeaderBuilder;
  /** The attempt settled: the handler returned (failed false) or threw / was aborted. */
  finished(attempt: HandlerAttempt<In, Out>, failed: boolean, error: unknown): AttemptResult;
  context(attempt: HandlerAttempt<In, Out>): KpoError['context'];
}

/**
 * One attempt: the handler's context, its abort state and its emit(). It is also the send guard of
 * its outputs: once the attempt was aborted (timeout, forced stop) or its partition revoked, outputs still
 * waiting to be sent are refused, so an aborted attempt writes nothing after a retry may have started.
 */
export class HandlerAttempt<In, Out> implements HandlerContext<Out> {
  reason: KpoError | undefined;
  /** Trace headers from aroundHandler, when there is one. */
  outgoing: (() => Record<string, string>) | undefined;
  private controller: AbortController | undefined;
  private rejectRace: ((reason: KpoError) => void) | undefined;
  private settle: ((result: AttemptResult) => void) | undefined;
  private nextSeq = 0;
  emitted = false;
  readonly deadline: number;
  readonly emit: (output: Out, options?: EmitOptions) => Promise<void>;

  constructor(
    private readonly owner: AttemptOwner<In, Out>,
    readonly item: WorkItem,
    readonly identity: Identity,
    readonly attempt: number,
    readonly startedAt: number,
  ) {
    this.deadline = startedAt + owner.options.settings.handlerTimeoutMs;
    this.emit = (output, options) => this.emitOne(output, options);
  }

  get source(): SourceRecord {
    return this.item.source;
  }

  /** SendGuard: outputs go out only while the attempt runs and its source partition is assigned. */
  get active(): boolean {
    return this.reason === undefined && this.item.handle.active;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: KpoError): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.rejectRace?.(reason);
    this.finish(true, reason);
  }

  /**
   * Runs the handler; the result settles when the handler settles or, at the
   * latest, when the attempt aborts (a handler ignoring its signal is left behind).
   */
  run(handler: StageHandler<In, Out>, input: In): Promise<AttemptResult> {
    const { instrumentation } = this.owner.options;
    return new Promise<AttemptResult>((resolve) => {
      this.settle = resolve;
      let done: Promise<void>;
      try {
        // With aroundHandler the race makes its context (span) end at abort too.
        done = instrumentation.aroundHandler
          ? instrumentation.aroundHandler(this.source, (outgoing) => {
              this.outgoing = outgoing;
              return this.race(this.start(handler, input));
            })
          : this.start(handler, input);
      } catch (error) {
        done = Promise.reject(toKpoError(error, 'KPO_HANDLER'));
      }
      done.then(
        () => this.finish(false, undefined),
        (error: unknown) => this.finish(true, error),
      );
    });
  }

  /** First call wins: an abort before the handler returned settles the attempt as failed. */
  private finish(failed: boolean, error: unknown): void {
    const settle = this.settle;
    if (settle === undefined) return;
    this.settle = undefined;
    settle(this.owner.finished(this, failed, error));
  }

  /** Starts the handler; a synchronous throw becomes a rejection. */
  private start(handler: StageHandler<In, Out>, input: In): Promise<void> {
    try {
      return handler.handle(input, this);
    } catch (error) {
      return Promise.reject(toKpoError(error, 'KPO_HANDLER'));
    }
  }

  /** Settles like the handler's promise, or rejects with the abort reason as soon as it aborts. */
  race(promise: Promise<void>): Promise<void> {
    if (this.reason) {
      promise.catch(() => undefined);
      return Promise.reject(this.reason);
    }
    return new Promise<void>((resolve, reject) => {
      this.rejectRace = reject;
      promise.then(resolve, reject);
    });
  }

  private emitOne(output: Out, options: EmitOptions | undefined): Promise<void> {
    if (this.reason) return Promise.reject(this.reason);
    const { item } = this;
    if (!item.handle.active) {
      return Promise.reject(
        new KpoError('KPO_CANCELLED', 'source partition revoked', { context: this.owner.context(this) }),
      );
    }
    this.emitted = true;
    const seq = options?.seq ?? this.nextSeq;
    if (seq >= this.nextSeq) this.nextSeq = seq + 1;
    const { options: compiled, producer, identityHeaders } = this.owner;
    const topic = options?.topic ?? compiled.outputTopic;
    const identity = identityHeaders.build(this.identity.requestId, seq, this.attempt);
    const extra = options?.headers;
    const trace = this.outgoing?.();
    const headers =
      extra === undefined && trace === undefined ? identity : { ...extra, ...trace, ...identity };
    const key = options?.key ?? item.raw.key;
    const { instrumentation } = compiled;
    return compiled.outputCodec.encode(output).then((value) => {
      const sent = producer.send({ topic, key, value, headers }, this);
      return instrumentation.onOutput
        ? sent.then(() => safely(() => instrumentation.onOutput?.(topic)))
        : sent;
    });
  }
}

/** Instrumentation must not throw; if it does, the worker carries on. */
export function safely(call: () => void): void {
  try {
    call();
  } catch {
    // ignored on purpose
  }
}
