/**
 * Where the stream stage keeps each request's resume point, so the worker that
 * takes a session over after a crash or rebalance continues the client's event
 * stream (same next seq, held-back text kept) instead of starting again at 0.
 */

export interface StreamProgress {
  /** Next TokenChunk seq the stream expects for the request. */
  readonly nextChunkSeq: number;
  /** Next ClientEvent seq to write. */
  readonly nextEventSeq: number;
  /** Text received but not yet written to the client (coalescing buffer). */
  readonly heldText: string;
  /** True once the terminal event was written. */
  readonly terminated: boolean;
}

export interface StreamProgressStore {
  load(sessionId: string, requestId: string): Promise<StreamProgress | null>;
  save(sessionId: string, requestId: string, progress: StreamProgress): Promise<void>;
}

/** Progress in process memory: for unit tests and single-worker runs without Redis. */
export class InMemoryStreamProgressStore implements StreamProgressStore {
  private readonly entries = new Map<string, StreamProgress>();

  async load(sessionId: string, requestId: string): Promise<StreamProgress | null> {
    return this.entries.get(`${sessionId}\u0000${requestId}`) ?? null;
  }

  async save(sessionId: string, requestId: string, progress: StreamProgress): Promise<void> {
    this.entries.set(`${sessionId}\u0000${requestId}`, { ...progress });
  }
}
