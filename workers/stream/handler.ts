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
 * Outbox (stream-outbox.ts): per handled chunk the new state is saved
 * together with the events it makes, before they are sent. A save is refused
 * when another worker saved since this copy was loaded (the partition went
 * away and came back): the copy is dropped and the chunk handled on the saved
 * state.
 */
import type { RequestIdentity } from '../../shared/runtime/request-identity.ts';
import { LRUCache } from 'lru-cache';
import { KpoError, toKpoError } from '../../shared/errors/kpo-error.ts';
import type { ClientEvent, TokenChunk } from '../../shared/messages/types.ts';
import type { ConversationHistoryStore } from '../../shared/redis/conversation-history-store.ts';
import type { StreamProgressStore } from '../../shared/redis/stream-progress-store.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import { terminalEvent, terminalOfFinalChunk, tokenEvent } from './client-events.ts';
import { OUT_OF_BAND_SEQ } from '../../shared/messages/failure-protocol.ts';
import type { StreamOptions } from './options.ts';
import { RequestStream } from './request-stream.ts';
import type { SentEventsLookup } from './sent-events-lookup.ts';
import { StreamOutbox } from './stream-outbox.ts';

/** Reloads of a request's saved state for one chunk before the chunk fails (another worker keeps saving). */
const MAX_RELOADS = 3;

export interface StreamHandlerDeps {
  readonly options: Readonly<StreamOptions>;
  readonly history: ConversationHistoryStore;
  readonly progress: StreamProgressStore;
  /** Which saved (outbox) events are on their topic already: asked when a request is taken over. */
  readonly sent: SentEventsLookup;
  /** Where events of a request without a reply-to topic go (the stage's output topic). */
  readonly outputTopic: string;
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
  private readonly outbox: StreamOutbox;

  constructor(deps: StreamHandlerDeps) {
    this.deps = deps;
    this.options = deps.options;
    this.now = deps.now ?? Date.now;
    this.outbox = new StreamOutbox(deps);
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

  handle(input: TokenChunk, context: HandlerContext<ClientEvent>): Promise<void> {
    return this.handleOnLatest(input, context, 0);
  }

  /** Handles the chunk; `reloads` counts how often another worker's newer saved state replaced this worker's copy. */
  private async handleOnLatest(
    input: TokenChunk,
    context: HandlerContext<ClientEvent>,
    reloads: number,
  ): Promise<void> {
    const cached = this.streams.get(input.requestId);
    const stream = cached ?? (await this.loadStream(input));
    const handled = await stream.exclusive(async () => {
      if (this.streams.get(input.requestId) !== stream) return false;
      stream.latestContext = context;
      await this.outbox.send(stream, context);
      this.accept(stream, input);
      // A chunk that changed nothing is not saved, so no save fences it. A repeat needs no fence (a stale copy
      // is behind the saved state, so it is a repeat there too); one parked for a gap does, or it might wait
      // in a stale copy for a chunk the saved state already has.
      if (!stream.dirty) {
        const parked = cached !== undefined && stream.resequencer.pendingCount > 0;
        return !parked || !(await this.isStale(stream));
      }
      return this.saveAndSend(stream, false, context);
    });
    // Another worker went on with the request since this copy was loaded: handle the chunk on its state.
    if (handled) return;
    this.drop(stream);
    if (reloads >= MAX_RELOADS) {
      // Saved progress that does not parse has a version the store keeps refusing: do not loop on it.
      throw new KpoError(
        'KPO_INTERNAL',
        `the saved progress changed under every one of ${MAX_RELOADS} reloads`,
        {
          retryable: true,
          context: { stage: 'stream', requestId: input.requestId, sessionId: input.sessionId },
        },
      );
    }
    await this.handleOnLatest(input, context, reloads + 1);
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

  /** Another worker saved since this copy was loaded or saved. */
  private async isStale(stream: RequestStream): Promise<boolean> {
    const saved = await this.deps.progress.load(stream.sessionId, stream.requestId);
    return saved !== null && saved.version !== stream.version;
  }

  private drop(stream: RequestStream): void {
    stream.cancelTimer();
    if (this.streams.get(stream.requestId) === stream) this.streams.delete(stream.requestId);
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

  /**
   * The events now due (held text, then the terminal), applied to the state as if sent: they go into the
   * outbox of the next save and out right after it. Held text not yet due waits for a timer.
   */
  private async dueEvents(stream: RequestStream, flushHeld: boolean): Promise<ClientEvent[]> {
    const events: ClientEvent[] = [];
    if (stream.terminated) return events;
    const now = this.now();
    if (stream.heldText.length > 0) {
      const due =
        flushHeld ||
        stream.pendingTerminal !== null ||
        stream.heldText.length >= this.options.flushChars ||
        now - stream.lastFlushAtMs >= this.options.flushIntervalMs;
      if (due) {
        events.push(tokenEvent(stream, stream.nextEventSeq, stream.heldText, now));
        stream.nextEventSeq += 1;
        stream.heldText = '';
        stream.lastFlushAtMs = now;
        stream.dirty = true;
        stream.cancelTimer();
      } else {
        this.scheduleFlush(stream);
      }
    }
    const terminal = stream.pendingTerminal;
    if (terminal === null) return events;
    if (terminal.type === 'done') await this.appendHistory(stream);
    const { requestCreatedAtMs, resumes } = stream;
    events.push(terminalEvent(stream, stream.nextEventSeq, terminal, requestCreatedAtMs, now, resumes));
    stream.nextEventSeq += 1;
    stream.terminated = true;
    stream.dirty = true;
    stream.cancelTimer();
    return events;
  }

  /**
   * Saves the state with the events due as the outbox, then sends them. False when the save was refused
   * (another worker saved since this copy was loaded). A failure before the save drops the copy: its state
   * is ahead of what was saved and sent, the retry starts from the saved state.
   */
  private async saveAndSend(
    stream: RequestStream,
    flushHeld: boolean,
    context: HandlerContext<ClientEvent>,
  ): Promise<boolean> {
    const savedAtMs = this.now();
    try {
      const events = await this.dueEvents(stream, flushHeld);
      if (!(await this.outbox.save(stream, events, savedAtMs))) return false;
    } catch (error) {
      this.drop(stream);
      throw error;
    }
    await this.outbox.send(stream, context);
    return true;
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
          if (this.streams.get(stream.requestId) !== stream) return;
          await this.outbox.send(stream, context);
          if (!(await this.saveAndSend(stream, true, context))) this.drop(stream);
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
}
