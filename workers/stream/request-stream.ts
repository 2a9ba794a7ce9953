/**
 * The stream stage's state of one request: the resequencer, the coalescing
 * buffer, the next event seq, the decided terminal. Work on one request (a
 * chunk, or a timer flush) runs one at a time through exclusive().
 */
import type { HandlerContext } from '../../shared/runtime/stage-handler.ts';
import type { ClientEvent } from '../../shared/messages/types.ts';
import type { PendingTerminal, StreamProgress } from '../../shared/redis/stream-progress-store.ts';
import { ChunkResequencer } from './chunk-resequencer.ts';

export class RequestStream {
  readonly requestId: string;
  readonly sessionId: string;
  readonly resequencer: ChunkResequencer;
  nextEventSeq: number;
  heldText: string;
  assistantText: string;
  userTurn: string | null;
  replyTo: string | null;
  requestCreatedAtMs: number;
  pendingTerminal: PendingTerminal | null;
  terminated: boolean;
  /** The generation whose chunks this request takes (the first seen); others are refused. */
  generationId: string | null;
  resumes: number;
  /** Version of the progress this state was loaded from or last saved as. */
  version: number;
  /** When the last token event went out (−∞ = never: the first text goes out at once). */
  lastFlushAtMs = Number.NEGATIVE_INFINITY;
  flushTimer: NodeJS.Timeout | undefined;
  /** The context of the newest chunk, used by timer flushes. */
  latestContext: HandlerContext<ClientEvent> | undefined;
  /** Something changed since the progress was last saved. */
  dirty = false;
  /** Events of the last save, sent right after it (shared/redis/stream-progress-store.ts). */
  outbox: readonly ClientEvent[];
  outboxSavedAtMs: number;
  /** Every outbox event is on its topic. */
  outboxSent: boolean;
  /** Some outbox events may be on their topic already (a send failed midway, or another worker saved them). */
  outboxUnsure: boolean;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    requestId: string,
    sessionId: string,
    progress: StreamProgress | null,
    maxPendingChunks: number,
  ) {
    this.requestId = requestId;
    this.sessionId = sessionId;
    this.resequencer = new ChunkResequencer(progress?.nextChunkSeq ?? 0, maxPendingChunks);
    this.nextEventSeq = progress?.nextEventSeq ?? 0;
    this.heldText = progress?.heldText ?? '';
    this.assistantText = progress?.assistantText ?? '';
    this.userTurn = progress?.userTurn ?? null;
    this.replyTo = progress?.replyTo ?? null;
    this.requestCreatedAtMs = progress?.requestCreatedAtMs ?? 0;
    this.pendingTerminal = progress?.pendingTerminal ?? null;
    this.terminated = progress?.terminated ?? false;
    this.generationId = progress?.generationId ?? null;
    this.resumes = progress?.resumes ?? 0;
    this.version = progress?.version ?? 0;
    this.outbox = progress?.outbox ?? [];
    this.outboxSavedAtMs = progress?.outboxSavedAtMs ?? 0;
    this.outboxSent = this.outbox.length === 0;
    this.outboxUnsure = true;
  }

  /** Runs work on this request after any work already queued on it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  toProgress(): StreamProgress {
    return {
      nextChunkSeq: this.resequencer.expectedSeq,
      nextEventSeq: this.nextEventSeq,
      heldText: this.heldText,
      assistantText: this.assistantText,
      userTurn: this.userTurn,
      replyTo: this.replyTo,
      requestCreatedAtMs: this.requestCreatedAtMs,
      pendingTerminal: this.pendingTerminal,
      terminated: this.terminated,
      generationId: this.generationId,
      resumes: this.resumes,
      version: this.version,
      outbox: this.outbox,
      outboxSavedAtMs: this.outboxSavedAtMs,
    };
  }

  cancelTimer(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
