/**
 * Runs one attempt of the stage handler for one input: a per-attempt abort
 * signal (handler timeout, forced shutdown), the instrumentation's
 * aroundHandler context, and emit() that encodes, stamps the de-dup identity
 * and trace headers, and produces keyed by the input key.
 *
 * Hot path (tens of thousands of records/s): AbortController/EventTarget are
 * costly in Node, so the signal is created only when a handler reads
 * context.signal; forced shutdown and handler timeouts walk the set of running
 * attempts (one sweep timer) instead of a listener and a timer per attempt.
 */
import { KpoError, toKpoError } from '../errors/kpo-error.ts';
import { HEADER } from '../messages/header-names.ts';
import type { BatchingProducer } from './batching-producer.ts';
import type { CompiledStageWorkerOptions } from './stage-worker-options.ts';
import type { EmitOptions, HandlerContext } from './stage-handler.ts';
import type { WorkItem } from './work-item.ts';

export interface Identity {
  readonly requestId: string;
  readonly sessionId: string;
}

/** How an attempt went; error is set when it failed. */
export interface AttemptResult {
  readonly error?: KpoError;
  readonly durationMs: number;
}

/** Abort state of one running attempt. */
class AttemptAbort {
  reason: KpoError | undefined;
  timeout: (() => KpoError) | undefined;

  constructor(readonly deadline: number) {}

  private controller: AbortController | undefined;
  private rejectRace: ((reason: KpoError) => void) | undefined;

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
}

/** How often handler deadlines are checked: a timeout fires up to this late. */
const SWEEP_MS = 50;

export class HandlerAttempt<In, Out> {
  private readonly running = new Set<AttemptAbort>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: CompiledStageWorkerOptions<In, Out>,
    private readonly producer: BatchingProducer,
    /** Aborts every running attempt at forced shutdown. */
    forcedStop: AbortSignal,
  ) {
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
      if (attempt.deadline <= now && attempt.timeout) attempt.abort(attempt.timeout());
    }
    if (this.running.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Never rejects: a failure comes back as a KpoError in the result. */
  async run(item: WorkItem, input: In, identity: Identity, attempt: number): Promise<AttemptResult> {
    const { handler, settings, instrumentation, stage } = this.options;
    const started = performance.now();
    const abort = new AttemptAbort(started + settings.handlerTimeoutMs);
    abort.timeout = () =>
      new KpoError('KPO_TIMEOUT', `handler ran past ${settings.handlerTimeoutMs} ms`, {
        retryable: true,
        context: this.context(item, identity, attempt),
      });
    this.running.add(abort);
    this.sweeper ??= setInterval(() => this.sweep(), Math.min(SWEEP_MS, settings.handlerTimeoutMs));
    try {
      instrumentation.onHandlerStart?.(item.source, attempt);
    } catch {
      // instrumentation must not break the worker
    }
    const body = async (outgoingHeaders: () => Record<string, string>): Promise<void> => {
      let nextSeq = 0;
      const emit = async (output: Out, emitOptions: EmitOptions = {}): Promise<void> => {
        if (abort.reason) throw abort.reason;
        if (!item.handle.active) {
          throw new KpoError('KPO_CANCELLED', 'source partition revoked', {
            context: this.context(item, identity, attempt),
          });
        }
        const seq = emitOptions.seq ?? nextSeq;
        nextSeq = Math.max(nextSeq, seq + 1);
        const topic = emitOptions.topic ?? this.options.outputTopic;
        const value = await this.options.outputCodec.encode(output);
        await this.producer.send(
          {
            topic,
            key: emitOptions.key ?? item.raw.key,
            value,
            headers: {
              ...emitOptions.headers,
              ...outgoingHeaders(),
              [HEADER.requestId]: identity.requestId,
              [HEADER.seq]: String(seq),
              [HEADER.attempt]: String(attempt),
              [HEADER.producedBy]: stage,
            },
          },
          item.handle,
        );
        try {
          instrumentation.onOutput?.(topic);
        } catch {
          // instrumentation must not break the worker
        }
      };
      const handlerContext: HandlerContext<Out> = {
        source: item.source,
        attempt,
        get signal() {
          return abort.signal;
        },
        emit,
      };
      await abort.race(handler.handle(input, handlerContext));
    };
    try {
      if (instrumentation.aroundHandler) await instrumentation.aroundHandler(item.source, body);
      else await body(noHeaders);
      const durationMs = performance.now() - started;
      try {
        instrumentation.onHandlerEnd?.(item.source, 'ok', durationMs);
      } catch {
        // instrumentation must not break the worker
      }
      return { durationMs };
    } catch (error) {
      return {
        error: toKpoError(error, 'KPO_HANDLER').withContext(this.context(item, identity, attempt)),
        durationMs: performance.now() - started,
      };
    } finally {
      this.running.delete(abort);
    }
  }

  private context(item: WorkItem, identity: Identity, attempt: number): KpoError['context'] {
    return {
      stage: this.options.stage,
      topic: item.source.topic,
      partition: item.source.partition,
      offset: item.source.offset,
      requestId: identity.requestId,
      sessionId: identity.sessionId,
      attempt,
    };
  }
}

const noHeaders = (): Record<string, string> => ({});

/** Instrumentation must not throw; if it does, the worker carries on. */
export function safely(call: () => void): void {
  try {
    call();
  } catch {
    // ignored on purpose
  }
}
