/**
 * Where the stream stage keeps each request's resume point, so the worker that
 * takes a session over after a crash or rebalance continues the client's event
 * stream (same next seq, held-back text kept, terminal not repeated) instead
 * of starting again at 0.
 */

/** A terminal event decided but not yet written. */
export interface PendingTerminal {
  readonly type: 'done' | 'error' | 'shed' | 'rejected' | 'cancelled';
  readonly usage: {
    readonly promptTokens: number;
    readonly completionTokens: number;
    readonly cachedTokens: number;
  } | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** Done: why generation ended (stop, length, ...), as the final chunk said. */
  readonly finishReason: string | null;
}

export interface StreamProgress {
  /** Next TokenChunk seq the stream expects for the request. */
  readonly nextChunkSeq: number;
  /** Next ClientEvent seq to write. */
  readonly nextEventSeq: number;
  /** Text received but not yet written to the client (coalescing buffer). */
  readonly heldText: string;
  /** The whole answer so far (appended to history on done). */
  readonly assistantText: string;
  /** The request's user turn, once a chunk carried it. */
  readonly userTurn: string | null;
  /** The request's reply-to topic (null = the output topic). */
  readonly replyTo: string | null;
  /** The request's createdAtMs (0 = unknown). */
  readonly requestCreatedAtMs: number;
  /** Decided terminal event not yet written. */
  readonly pendingTerminal: PendingTerminal | null;
  /** True once the terminal event was written. */
  readonly terminated: boolean;
  /** The generation whose chunks are accepted (the first one seen); null before any chunk. */
  readonly generationId: string | null;
  /** Resumptions of that generation seen so far (reported on the terminal event). */
  readonly resumes: number;
  /** Counts saves: a worker whose copy is older than the saved one reloads it (someone else went on meanwhile). */
  readonly version: number;
}

export interface StreamProgressStore {
  load(sessionId: string, requestId: string): Promise<StreamProgress | null>;
  save(sessionId: string, requestId: string, progress: StreamProgress): Promise<void>;
}

/** Progress in process memory: for unit tests and single-worker runs without Redis. */
export class InMemoryStreamProgressStore implements StreamProgressStore {
  private readonly entries = new Map<string, string>();

  async load(sessionId: string, requestId: string): Promise<StreamProgress | null> {
    const raw = this.entries.get(`${sessionId}\u0000${requestId}`);
    return raw === undefined ? null : (JSON.parse(raw) as StreamProgress);
  }

  async save(sessionId: string, requestId: string, progress: StreamProgress): Promise<void> {
    this.entries.set(`${sessionId}\u0000${requestId}`, JSON.stringify(progress));
  }
}
