/**
 * Runs one attempt of the stage handler for one input: a per-attempt abort
 * signal (handler timeout, forced shutdown), the instrumentation's
 * aroundHandler context, and emit() that encodes, stamps the de-dup identity
 * and trace headers, and produces keyed by the input key.
 */
import { KpoError, toKpoError } from '../errors/kpo-error.ts';
import { HEADER } from '../messages/header-names.ts';
import { raceAbort } from './abortable-sleep.ts';
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

export class HandlerAttempt<In, Out> {
  constructor(
    private readonly options: CompiledStageWorkerOptions<In, Out>,
    private readonly producer: BatchingProducer,
    /** Aborts every running attempt at forced shutdown. */
    private readonly forcedStop: AbortSignal,
  ) {}

  /** Never rejects: a failure comes back as a KpoError in the result. */
  async run(item: WorkItem, input: In, identity: Identity, attempt: number): Promise<AttemptResult> {
    const { handler, settings, instrumentation, stage } = this.options;
    const context = {
      stage,
      topic: item.source.topic,
      partition: item.source.partition,
      offset: item.source.offset,
      requestId: identity.requestId,
      sessionId: identity.sessionId,
      attempt,
    };
    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(
        new KpoError('KPO_TIMEOUT', `handler ran past ${settings.handlerTimeoutMs} ms`, {
          retryable: true,
          context,
        }),
      );
    }, settings.handlerTimeoutMs);
    const onForcedStop = (): void =>
      controller.abort(
        new KpoError('KPO_CANCELLED', 'worker stopped before the handler finished', { context }),
      );
    this.forcedStop.addEventListener('abort', onForcedStop, { once: true });
    const started = performance.now();
    safely(() => instrumentation.onHandlerStart?.(item.source, attempt));
    const body = async (outgoingHeaders: () => Record<string, string>): Promise<void> => {
      let nextSeq = 0;
      const handlerContext: HandlerContext<Out> = {
        source: item.source,
        attempt,
        signal: controller.signal,
        emit: async (output: Out, emitOptions: EmitOptions = {}) => {
          if (controller.signal.aborted) throw controller.signal.reason as Error;
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
            () => item.handle.active,
          );
          safely(() => instrumentation.onOutput?.(topic));
        },
      };
      await raceAbort(handler.handle(input, handlerContext), controller.signal);
    };
    try {
      if (instrumentation.aroundHandler) await instrumentation.aroundHandler(item.source, body);
      else await body(() => ({}));
      const durationMs = performance.now() - started;
      safely(() => instrumentation.onHandlerEnd?.(item.source, 'ok', durationMs));
      return { durationMs };
    } catch (error) {
      return {
        error: toKpoError(error, 'KPO_HANDLER').withContext(context),
        durationMs: performance.now() - started,
      };
    } finally {
      clearTimeout(timer);
      this.forcedStop.removeEventListener('abort', onForcedStop);
    }
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
