/**
 * The stream stage: TokenChunk (llm.tokens.post) → ClientEvent (llm.output or
 * the request's replyTo), keyed by session ID.
 *
 * Per request: the first generation seen (TokenChunk.generationId) is kept
 * and chunks of any other are refused — two generations never splice into
 * one answer (a resumed generation keeps its ID and continues after the last
 * seq); chunks are re-sequenced by seq and repeats dropped; text is
 * coalesced (written when flushIntervalMs passed since the last token event,
 * or flushChars are waiting, or the request ends; otherwise a timer writes
 * it); events get contiguous seqs from 0; exactly one terminal event ends the
 * stream (done | error | cancelled | shed | rejected). On done the user turn
 * and the answer are appended to the session's history BEFORE the done event
 * goes out (so the client's next turn sees them), once per request.
 *
 * Every step is idempotent against the request's state, so a retried or
 * replayed chunk finishes what a failed try left undone and never repeats an
 * event. The state is saved to the progress store after each chunk, so the
 * worker that takes the session over after a crash resumes it; a worker whose
 * copy in memory is older than the saved one (the partition went away and came
 * back) reloads it first.
 */
import type { RequestIdentity } from '../../shared/runtime/request-identity.ts';
import { LRUCache } from 'lru-cache';
import { toKpoError, type KpoError } from '../../shared/errors/kpo-error.ts';
import type { ClientEvent, TokenChunk } from '../../shared/messages/types.ts';
import type { ConversationHistoryStore } from '../../shared/redis/conversation-history-store.ts';
import type { StreamProgressStore } from '../../shared/redis/stream-progress-store.ts';
import type { EmitOptions, HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import { terminalEvent, terminalOfFinalChunk, tokenEvent } from './client-events.ts';
import { OUT_OF_BAND_SEQ } from '../../shared/messages/failure-protocol.ts';
import type { StreamOptions } from './options.ts';
import { RequestStream } from './request-stream.ts';

export interface StreamHandlerDeps {
  readonly options: Readonly<StreamOptions>;
  readonly history: ConversationHistoryStore;
  readonly progress: StreamProgressStore;
  /** Clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Called once per request with its terminal event (e2eMs = end-to-end latency); must not throw. */
  readonly onTerminal?: (event: ClientEvent) => void;
  /** Called when history could not be appended for a non-retryable reason (the done event still goes out). */
  readonly onHistoryAppendFailed?: (error: KpoError, requestId: string) => void;
}

export class StreamHandler implements StageHandler<TokenChunk, ClientEvent> {
  private readonly deps: StreamHandlerDeps;
  private readonly options: Readonly<StreamOptions>;
  private readonly now: () => number;
  private readonly streams: LRUCache<string, RequestStream>;

  constructor(deps: StreamHandlerDeps) {
    this.deps = deps;
    this.options = deps.options;
    this.now = deps.now ?? Date.now;
    this.streams = new LRUCache<string, RequestStream>({
      max: deps.options.maxRequests,
      ttl: deps.options.requestIdleTtlMs,
      updateAgeOnGet: true,
      dispose: (stream) => stream.cancelTimer(),
    });
  }

  identify(input: TokenChunk): RequestIdentity {
    const { requestId, sessionId, replyTo, requestCreatedAtMs } = input;
    return { requestId, sessionId, replyTo, requestCreatedAtMs };
  }

  async handle(input: TokenChunk, context: HandlerContext<ClientEvent>): Promise<void> {
    const cached = this.streams.get(input.requestId);
    const stream = cached ?? (await this.loadStream(input));
    await stream.exclusive(async () => {
      if (cached !== undefined && (await this.reloadIfStale(stream, input, context))) return;
      stream.latestContext = context;
      this.accept(stream, input);
      await this.drain(stream, context);
      await this.save(stream);
    });
  }

  /** Requests with state in memory. */
  get trackedRequests(): number {
    return this.streams.size;
  }

  /** Stops flush timers (at worker shutdown; held text is in the progress store). */
  close(): void {
    for (const stream of this.streams.values()) stream.cancelTimer();
    this.streams.clear();
  }

  private async loadStream(chunk: TokenChunk): Promise<RequestStream> {
    const progress = await this.deps.progress.load(chunk.sessionId, chunk.requestId);
    const stream =
      this.streams.get(chunk.requestId) ??
      new RequestStream(chunk.requestId, chunk.sessionId, progress, this.options.maxPendingChunks);
    this.streams.set(chunk.requestId, stream);
    return stream;
  }

  /**
   * Another worker went on with the request since this copy was saved (its partition moved away and
   * came back): drop the copy and handle the chunk on the saved state. True when it did.
   */
  private async reloadIfStale(
    stream: RequestStream,
    chunk: TokenChunk,
    context: HandlerContext<ClientEvent>,
  ): Promise<boolean> {
    const saved = await this.deps.progress.load(chunk.sessionId, chunk.requestId);
    if (saved === null || saved.version <= stream.version) return false;
    stream.cancelTimer();
    if (this.streams.get(chunk.requestId) === stream) this.streams.delete(chunk.requestId);
    await this.handle(chunk, context);
    return true;
  }

  /** Takes the chunk into the request's state (at most once). */
  private accept(stream: RequestStream, chunk: TokenChunk): void {
    if (stream.terminated || stream.pendingTerminal) return;
    if (chunk.replyTo !== null && chunk.replyTo !== stream.replyTo) {
      stream.replyTo = chunk.replyTo;
      stream.dirty = true;
    }
    if (chunk.requestCreatedAtMs > 0 && chunk.requestCreatedAtMs !== stream.requestCreatedAtMs) {
      stream.requestCreatedAtMs = chunk.requestCreatedAtMs;
      stream.dirty = true;
    }
    if (chunk.seq !== OUT_OF_BAND_SEQ && !this.sameGeneration(stream, chunk)) return;
    if (chunk.seq === OUT_OF_BAND_SEQ) {
      stream.dirty = true;
      stream.pendingTerminal = terminalOfFinalChunk({ ...chunk, final: true });
      stream.resequencer.discardPending();
      return;
    }
    const outcome = stream.resequencer.accept(chunk);
    if (outcome.kind === 'overflow') {
      stream.dirty = true;
      stream.pendingTerminal = {
        type: 'error',
        usage: null,
        errorCode: 'KPO_INTERNAL',
        errorMessage: `more than ${this.options.maxPendingChunks} chunks arrived out of order; the stream has a gap`,
        finishReason: null,
      };
      stream.resequencer.discardPending();
      return;
    }
    if (outcome.kind !== 'released') return;
    stream.dirty = true;
    for (const released of outcome.chunks) {
      stream.resumes = Math.max(stream.resumes, released.resumes);
      stream.heldText += released.text;
      stream.assistantText += released.text;
      if (released.userTurn !== null) stream.userTurn = released.userTurn;
      if (released.final) {
        stream.pendingTerminal = terminalOfFinalChunk(released);
        stream.resequencer.discardPending();
        break;
      }
    }
  }

  /**
   * The request keeps the first generation it saw. A chunk of another one is refused: it would splice two
   * answers. When that other generation ends (its final chunk), the answer the client has cannot be
   * completed any more (the first generation stopped, or it would not have been replaced): the request ends
   * with an error after what was sent.
   */
  private sameGeneration(stream: RequestStream, chunk: TokenChunk): boolean {
    if (stream.generationId === null) {
      stream.generationId = chunk.generationId;
      stream.dirty = true;
      return true;
    }
    if (chunk.generationId === stream.generationId) return true;
    if (chunk.final) {
      stream.dirty = true;
      stream.pendingTerminal = {
        type: 'error',
        usage: null,
        errorCode: 'KPO_MODEL_STREAM',
        errorMessage:
          'the answer was interrupted and generated again from the start; the second generation was refused',
        finishReason: null,
      };
      stream.resequencer.discardPending();
    }
    return false;
  }

  /** Writes whatever is due: held text, then the terminal. Safe to repeat. */
  private async drain(stream: RequestStream, context: HandlerContext<ClientEvent>): Promise<void> {
    if (stream.terminated) return;
    if (stream.heldText.length > 0) {
      const due =
        stream.pendingTerminal !== null ||
        stream.heldText.length >= this.options.flushChars ||
        this.now() - stream.lastFlushAtMs >= this.options.flushIntervalMs;
      if (due) await this.flushHeld(stream, context);
      else this.scheduleFlush(stream);
    }
    const terminal = stream.pendingTerminal;
    if (terminal === null) return;
    if (terminal.type === 'done') await this.appendHistory(stream);
    const event = terminalEvent(
      stream,
      stream.nextEventSeq,
      terminal,
      stream.requestCreatedAtMs,
      this.now(),
      stream.resumes,
    );
    await context.emit(event, this.emitOptions(stream, event.seq));
    stream.nextEventSeq += 1;
    stream.terminated = true;
    stream.dirty = true;
    stream.cancelTimer();
    try {
      this.deps.onTerminal?.(event);
    } catch {
      // instrumentation must not break the stream
    }
  }

  private async flushHeld(stream: RequestStream, context: HandlerContext<ClientEvent>): Promise<void> {
    const now = this.now();
    const event = tokenEvent(stream, stream.nextEventSeq, stream.heldText, now);
    await context.emit(event, this.emitOptions(stream, event.seq));
    stream.nextEventSeq += 1;
    stream.heldText = '';
    stream.lastFlushAtMs = now;
    stream.dirty = true;
    stream.cancelTimer();
  }

  private scheduleFlush(stream: RequestStream): void {
    if (stream.flushTimer !== undefined) return;
    const delay = Math.max(0, stream.lastFlushAtMs + this.options.flushIntervalMs - this.now());
    stream.flushTimer = setTimeout(() => {
      stream.flushTimer = undefined;
      void stream
        .exclusive(async () => {
          const context = stream.latestContext;
          if (stream.terminated || stream.heldText.length === 0 || context === undefined) return;
          await this.flushHeld(stream, context);
          await this.save(stream);
        })
        .catch(() => {
          // the text stays held (and saved); the next chunk of the request writes it
        });
    }, delay);
  }

  private async appendHistory(stream: RequestStream): Promise<void> {
    if (stream.userTurn === null) return;
    try {
      await this.deps.history.appendExchange(stream.sessionId, stream.requestId, [
        { role: 'user', content: stream.userTurn },
        { role: 'assistant', content: stream.assistantText },
      ]);
    } catch (error) {
      const failure = toKpoError(error, 'KPO_REDIS').withContext({
        stage: 'stream',
        requestId: stream.requestId,
        sessionId: stream.sessionId,
      });
      if (failure.retryable) throw failure;
      this.deps.onHistoryAppendFailed?.(failure, stream.requestId);
    }
  }

  private async save(stream: RequestStream): Promise<void> {
    if (!stream.dirty) return;
    const progress = { ...stream.toProgress(), version: stream.version + 1 };
    await this.deps.progress.save(stream.sessionId, stream.requestId, progress);
    stream.version = progress.version;
    stream.dirty = false;
  }

  private emitOptions(stream: RequestStream, seq: number): EmitOptions {
    return stream.replyTo === null
      ? { seq, key: stream.sessionId }
      : { seq, key: stream.sessionId, topic: stream.replyTo };
  }
}
