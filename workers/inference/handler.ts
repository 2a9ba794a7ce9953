/**
 * The inference stage: AssembledPrompt (llm.assembled) → TokenChunk
 * (llm.tokens.raw). Streams the model's answer through the endpoint pool (or
 * the micro-batcher), coalesced into chunks with seq from 0, and ends with
 * one final chunk carrying finish reason, usage and timings.
 *
 * Failures: before any chunk went out the error is thrown, so the runtime
 * retries it (retryable) or dead-letters it and the client gets an error
 * event. Once chunks went out nothing is replayed: the request ends with a
 * final chunk whose finishReason is "error". A Cancel (cancel-registry.ts)
 * ends it with a final "cancelled" chunk, tokens or not.
 */
import { KpoError, toKpoError } from '../../shared/errors/kpo-error.ts';
import type { AssembledPrompt, TokenChunk } from '../../shared/messages/types.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult } from '../../shared/model/types.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import type { CancelRegistry } from './cancel-registry.ts';
import { generationRequestOf, userTurnOf } from './generation-request.ts';
import { TokenCoalescer } from './token-coalescer.ts';
import type { GenerationClaim, GenerationGuard } from './generation-guard.ts';
import { OUT_OF_BAND_SEQ } from '../stream/failure-events.ts';

/** How the handler gets a model stream: the pool, the micro-batcher, or cache-aware routing. */
export type GenerateStream = (
  request: GenerationRequest,
  signal: AbortSignal,
  input: AssembledPrompt,
) => AsyncIterable<GenerationEvent> | Promise<AsyncIterable<GenerationEvent>>;

export interface InferenceHandlerDeps {
  readonly generate: GenerateStream;
  readonly cancels: CancelRegistry;
  readonly flushTokens: number;
  readonly flushIntervalMs: number;
  /** Called once per finished generation (metrics); must not throw. */
  readonly onResult?: (result: GenerationResult) => void;
  /** Keeps two workers from streaming the same request (at-least-once redelivery). Default: none. */
  readonly guard?: GenerationGuard;
  /** Where an interrupted request's out-of-band terminal goes: the stream stage's input. Required with guard. */
  readonly terminalTopic?: string;
}

type FinalFields = Pick<TokenChunk, 'finishReason' | 'usage' | 'timings' | 'error'>;

export class InferenceHandler implements StageHandler<AssembledPrompt, TokenChunk> {
  constructor(private readonly deps: InferenceHandlerDeps) {}

  identify(input: AssembledPrompt): { requestId: string; sessionId: string } {
    return { requestId: input.request.requestId, sessionId: input.request.sessionId };
  }

  async handle(input: AssembledPrompt, context: HandlerContext<TokenChunk>): Promise<void> {
    const { requestId, sessionId } = input.request;
    const outcome = this.deps.guard
      ? await this.deps.guard.claim(sessionId, requestId, context.signal)
      : undefined;
    if (outcome?.kind === 'already-done') return;
    if (outcome?.kind === 'interrupted') {
      await this.endInterrupted(input, context);
      await outcome.claim.finished();
      return;
    }
    await this.generate(input, context, outcome?.claim);
  }

  /** A worker that had sent tokens died: the client gets an error after what it has, never a second stream. */
  private async endInterrupted(input: AssembledPrompt, context: HandlerContext<TokenChunk>): Promise<void> {
    const { request } = input;
    await context.emit(
      {
        requestId: request.requestId,
        sessionId: request.sessionId,
        seq: OUT_OF_BAND_SEQ,
        text: '',
        tokenCount: 0,
        final: true,
        finishReason: 'error',
        usage: null,
        timings: null,
        attempt: context.attempt,
        error: {
          code: 'KPO_MODEL_STREAM',
          message:
            'the generation was interrupted after tokens went out (its worker stopped); it is not replayed',
        },
        replyTo: request.replyTo,
        requestCreatedAtMs: request.createdAtMs,
        userTurn: null,
      },
      {
        seq: OUT_OF_BAND_SEQ,
        ...(this.deps.terminalTopic === undefined ? {} : { topic: this.deps.terminalTopic }),
      },
    );
  }

  private async generate(
    input: AssembledPrompt,
    context: HandlerContext<TokenChunk>,
    claim: GenerationClaim | undefined,
  ): Promise<void> {
    const { requestId } = input.request;
    const tracked = this.deps.cancels.track(requestId);
    const signal = AbortSignal.any([context.signal, tracked.signal]);
    let seq = 0;
    const chunk = (text: string, tokenCount: number, final: FinalFields | undefined): TokenChunk => {
      const position = seq++;
      return {
        requestId,
        sessionId: input.request.sessionId,
        seq: position,
        text,
        tokenCount,
        final: final !== undefined,
        finishReason: final?.finishReason ?? null,
        usage: final?.usage ?? null,
        timings: final?.timings ?? null,
        attempt: context.attempt,
        error: final?.error ?? null,
        replyTo: input.request.replyTo,
        requestCreatedAtMs: input.request.createdAtMs,
        // On the first chunk too: post may end the stream early and drop the model's final chunk.
        userTurn: final !== undefined || position === 0 ? userTurnOf(input) : null,
      };
    };
    let started = false;
    const emit = async (value: TokenChunk) => {
      if (!started) {
        started = true;
        await claim?.started();
      }
      await context.emit(value, { seq: value.seq });
    };
    const coalescer = new TokenCoalescer(this.deps, (piece) =>
      emit(chunk(piece.text, piece.tokenCount, undefined)),
    );
    let ended = false;
    const finish = async (final: FinalFields) => {
      const rest = await coalescer.drain();
      await emit(chunk(rest.text, rest.tokenCount, final));
      ended = true;
    };
    try {
      if (tracked.signal.aborted) return await finish(cancelledFinal(tracked.signal.reason));
      const stream = await this.deps.generate(generationRequestOf(input), signal, input);
      for await (const event of stream) {
        if (event.type === 'chunk') {
          coalescer.add(event.text, event.tokenCount);
          continue;
        }
        this.deps.onResult?.(event);
        return await finish({
          finishReason: event.finishReason,
          usage: { ...event.usage },
          timings: { ...event.timings },
          error: null,
        });
      }
      throw new KpoError('KPO_MODEL_STREAM', 'the model stream ended without a result', {
        retryable: true,
        context: { requestId, stage: 'inference' },
      });
    } catch (thrown) {
      coalescer.close();
      const error = toKpoError(thrown).withContext({ requestId, stage: 'inference' });
      if (tracked.signal.aborted) return await finish(cancelledFinal(tracked.signal.reason));
      // Handler timeout or shutdown: the runtime owns what happens next.
      if (context.signal.aborted || coalescer.chunksWritten === 0) throw error;
      await finish({
        finishReason: 'error',
        usage: null,
        timings: null,
        error: { code: error.code, message: error.message },
      });
    } finally {
      coalescer.close();
      tracked.release();
      // Ended: later deliveries skip it. Not ended: the next owner regenerates, or, if tokens went
      // out, ends it with an error (the lease store remembers that they did).
      await (ended ? claim?.finished() : claim?.released());
    }
  }
}

function cancelledFinal(reason: unknown): FinalFields {
  const message = reason instanceof Error ? reason.message : 'the request was cancelled';
  return { finishReason: 'cancelled', usage: null, timings: null, error: { code: 'KPO_CANCELLED', message } };
}
