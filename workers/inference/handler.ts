/**
 * The inference stage: AssembledPrompt (llm.assembled) → TokenChunk
 * (llm.tokens.raw). Streams the model's answer through the endpoint pool (or
 * the micro-batcher), coalesced into chunks with seq from 0, and ends with
 * one final chunk carrying finish reason, usage and timings. Every chunk
 * carries the generation's identity (generationId); with a guard, each chunk
 * is recorded in the lease store before it is sent.
 *
 * Failures: before any chunk went out the error is thrown, so the runtime
 * retries it (retryable) or dead-letters it and the client gets an error
 * event. Once chunks went out the answer is resumed where the model can
 * continue a partial answer (GenerationRequest.continuation): after a broken
 * model stream in this worker, or — from the recorded progress — by the worker
 * that gets the request next after this one died or lost its partition. The
 * continuation extends the same answer after the last chunk seq; nothing is
 * regenerated. Where the model cannot continue (or `maxResumes` is used up)
 * the request ends with a final chunk whose finishReason is "error". A Cancel
 * (cancel-registry.ts) ends it with a final "cancelled" chunk, tokens or not.
 */
import { requestIdentityOf, type RequestIdentity } from '../../shared/runtime/request-identity.ts';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { KpoError, toKpoError } from '../../shared/errors/kpo-error.ts';
import type { AssembledPrompt, TokenChunk } from '../../shared/messages/types.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult } from '../../shared/model/types.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import { AnswerLog, type FinalFields } from './answer-log.ts';
import type { CancelRegistry } from './cancel-registry.ts';
import { generationRequestOf } from './generation-request.ts';
import type { GenerationClaim, GenerationGuard } from './generation-guard.ts';
import { TokenCoalescer, type CoalescedText } from './token-coalescer.ts';
import { OUT_OF_BAND_SEQ } from '../../shared/messages/failure-protocol.ts';

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
  /** Whether the endpoints of a model can continue a partial answer. Default: none can. */
  readonly continues?: (model: string) => boolean;
  /** Resumptions of one answer at most (in this worker and across workers). Default 3. */
  readonly maxResumes?: number;
  /** Pause before resuming after a broken model stream (times the resumption number). Default 100 ms. */
  readonly resumeDelayMs?: number;
}

/** Model failures worth continuing past: the stream broke, the server erred or timed out. */
const RESUMABLE_CODES = new Set([
  'KPO_MODEL_STREAM',
  'KPO_MODEL_HTTP',
  'KPO_MODEL_RATE_LIMITED',
  'KPO_TIMEOUT',
  'KPO_CIRCUIT_OPEN',
  'KPO_BULKHEAD_FULL',
]);

export class InferenceHandler implements StageHandler<AssembledPrompt, TokenChunk> {
  private readonly maxResumes: number;

  constructor(private readonly deps: InferenceHandlerDeps) {
    this.maxResumes = deps.maxResumes ?? 3;
  }

  identify(input: AssembledPrompt): RequestIdentity {
    return requestIdentityOf(input.request);
  }

  async handle(input: AssembledPrompt, context: HandlerContext<TokenChunk>): Promise<void> {
    const { requestId, sessionId } = input.request;
    const guard = this.deps.guard;
    if (guard === undefined) {
      await this.generate(input, context, new AnswerLog(input, randomUUID(), null), undefined);
      return;
    }
    const outcome = await guard.claim(sessionId, requestId, context.signal);
    if (outcome.kind === 'already-done') return;
    const { claim } = outcome;
    let ended = false;
    try {
      const log = new AnswerLog(input, claim.generationId, claim.progress);
      const progress = claim.progress;
      if (
        outcome.kind === 'interrupted' ||
        (progress && !progress.lastChunk.final && !this.canResume(input, log))
      ) {
        await this.endInterrupted(input, context, log);
        ended = true;
      } else {
        ended = await this.generate(input, context, log, claim);
      }
    } finally {
      // Ended: later deliveries skip it. Not ended (whatever threw, endInterrupted included): the lease is
      // given up, so the next owner regenerates or resumes from what was recorded.
      await (ended ? claim.finished() : claim.released());
    }
  }

  private canResume(input: AssembledPrompt, log: AnswerLog): boolean {
    return log.resumes < this.maxResumes && (this.deps.continues?.(input.request.model) ?? false);
  }

  /** A worker that had sent tokens died and the answer cannot be continued: an error after what the client has. */
  private async endInterrupted(
    input: AssembledPrompt,
    context: HandlerContext<TokenChunk>,
    log: AnswerLog,
  ): Promise<void> {
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
            'the generation was interrupted after tokens went out (its worker stopped) and the model cannot continue it',
        },
        replyTo: request.replyTo,
        requestCreatedAtMs: request.createdAtMs,
        userTurn: null,
        generationId: log.generationId,
        resumes: log.resumes,
      },
      {
        seq: OUT_OF_BAND_SEQ,
        ...(this.deps.terminalTopic === undefined ? {} : { topic: this.deps.terminalTopic }),
      },
    );
  }

  /** Generates (or resumes) the answer; true once its final chunk went out. */
  private async generate(
    input: AssembledPrompt,
    context: HandlerContext<TokenChunk>,
    log: AnswerLog,
    claim: GenerationClaim | undefined,
  ): Promise<boolean> {
    const { requestId } = input.request;
    const tracked = this.deps.cancels.track(requestId);
    const signal = AbortSignal.any([
      context.signal,
      tracked.signal,
      ...(claim === undefined ? [] : [claim.signal]),
    ]);
    // Recorded before it is sent: a resumption then knows every chunk that may have gone out.
    let sendFailed = false;
    const send = async (chunk: TokenChunk): Promise<void> => {
      try {
        await claim?.record(log.progress());
        await context.emit(chunk, { seq: chunk.seq });
      } catch (error) {
        sendFailed = true;
        throw error;
      }
    };
    try {
      const resumed = claim?.progress;
      if (resumed) {
        // The last recorded chunk may not have reached the broker: send it again (a repeat is dropped downstream).
        await context.emit(resumed.lastChunk, { seq: resumed.lastChunk.seq });
        if (resumed.lastChunk.final) return true;
        log.resumed();
      }
      for (;;) {
        const broken = await this.modelCall(input, context, log, signal, send, tracked.signal);
        if (broken === undefined) return true;
        const { failure, unsent } = broken;
        // Nothing sent, a send failed, timeout, shutdown or lease lost: the runtime (or the next owner) goes on.
        if (log.chunkCount === 0 || sendFailed || context.signal.aborted || claim?.signal.aborted)
          throw failure;
        if (!failure.retryable || !RESUMABLE_CODES.has(failure.code) || !this.canResume(input, log)) {
          await send(log.chunk(unsent.text, unsent.tokenCount, errorFinal(failure), context.attempt));
          return true;
        }
        log.resumed();
        await sleep((this.deps.resumeDelayMs ?? 100) * log.resumes, undefined, { signal }).catch(
          () => undefined,
        );
      }
    } finally {
      tracked.release();
    }
  }

  /**
   * One model call, continuing the answer the log holds. Resolves undefined once the final chunk went out
   * (done or cancelled), or with the failure that broke the call and the text generated but not sent yet
   * (an error final carries it; a continuation generates it again).
   */
  private async modelCall(
    input: AssembledPrompt,
    context: HandlerContext<TokenChunk>,
    log: AnswerLog,
    signal: AbortSignal,
    send: (chunk: TokenChunk) => Promise<void>,
    cancelled: AbortSignal,
  ): Promise<{ failure: KpoError; unsent: CoalescedText } | undefined> {
    const { requestId } = input.request;
    const coalescer = new TokenCoalescer(this.deps, (piece) =>
      send(log.chunk(piece.text, piece.tokenCount, undefined, context.attempt)),
    );
    const finish = async (final: FinalFields, rest?: CoalescedText): Promise<undefined> => {
      const last = rest ?? (await coalescer.drain());
      await send(log.chunk(last.text, last.tokenCount, final, context.attempt));
      return undefined;
    };
    const tokensBefore = log.tokenCount;
    try {
      if (cancelled.aborted) return await finish(cancelledFinal(cancelled.reason));
      const left = input.request.maxTokens - tokensBefore;
      if (left <= 0) return await finish({ finishReason: 'length', usage: null, timings: null, error: null });
      const stream = await this.deps.generate(continuationOf(input, log, left), signal, input);
      for await (const event of stream) {
        if (event.type === 'chunk') {
          coalescer.add(event.text, event.tokenCount);
          continue;
        }
        this.deps.onResult?.(event);
        return await finish({
          finishReason: event.finishReason,
          // The whole answer's tokens, the parts generated before a resumption included.
          usage: { ...event.usage, completionTokens: event.usage.completionTokens + tokensBefore },
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
      // Chunks being written go out (or fail) first, so the log is settled.
      const unsent = await coalescer.drain().catch(() => ({ text: '', tokenCount: 0 }));
      if (cancelled.aborted) return await finish(cancelledFinal(cancelled.reason), unsent);
      return { failure: toKpoError(thrown).withContext({ requestId, stage: 'inference' }), unsent };
    } finally {
      coalescer.close();
    }
  }
}

/** The model call for what is left of the answer: from scratch, or continuing the text sent so far. */
function continuationOf(input: AssembledPrompt, log: AnswerLog, maxTokens: number): GenerationRequest {
  const request = generationRequestOf(input);
  if (log.chunkCount === 0) return request;
  return { ...request, params: { ...request.params, maxTokens }, continuation: log.text };
}

function errorFinal(error: KpoError): FinalFields {
  return {
    finishReason: 'error',
    usage: null,
    timings: null,
    error: { code: error.code, message: error.message },
  };
}

function cancelledFinal(reason: unknown): FinalFields {
  const message = reason instanceof Error ? reason.message : 'the request was cancelled';
  return { finishReason: 'cancelled', usage: null, timings: null, error: { code: 'KPO_CANCELLED', message } };
}
