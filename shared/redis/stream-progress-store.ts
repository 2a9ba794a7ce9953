/**
 * Where the stream stage keeps each request's resume point, so the worker that
 * takes a session over after a crash or rebalance continues the client's event
 * stream (same next seq, held-back text kept, terminal not repeated) instead
 * of starting again at 0.
 *
 * Outbox: the stream stage saves a request's progress together with the events
 * it is about to send, before sending them (one write per handled chunk). A
 * worker that takes the request over finds them there and sends only those
 * the output topic does not hold yet, so a worker that died after the broker
 * took an event and before anything else happened causes no repeat.
 *
 * Versions fence concurrent owners: a save succeeds only over the version the
 * saver loaded (or over nothing for version 1); otherwise another worker went
 * on with the request meanwhile and the saver must reload.
 */
import type { ClientEvent } from '../messages/types.ts';

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
  /** Events saved to be sent right after this save: possibly on the output topic, possibly not. */
  readonly outbox: readonly ClientEvent[];
  /** When the outbox was saved, epoch ms (its events were produced after this). */
  readonly outboxSavedAtMs: number;
}

export interface StreamProgressStore {
  load(sessionId: string, requestId: string): Promise<StreamProgress | null>;
  /**
   * Saves progress.version over version − 1 (version 1 over none). False, saving nothing, when the stored
   * version is another: a different worker saved meanwhile.
   */
  save(sessionId: string, requestId: string, progress: StreamProgress): Promise<boolean>;
}
