/**
 * Who generates a request's tokens, shared by every inference worker, and how
 * far the generation got. At-least-once delivery means a prompt can reach a
 * second worker (after a crash, or while a rebalance moves its partition)
 * during or after a first generation. Tokens must never be replayed to a
 * client differently, so the second worker asks here first:
 *  - done     → another worker finished it; the outputs exist, skip.
 *  - held     → another worker is generating it right now; wait.
 *  - acquired → this worker owns it. With `progress`, an earlier owner had
 *               already recorded chunks: the request is resumed from there
 *               (or ended with an error where the model cannot continue).
 *
 * Chunks are recorded here BEFORE they are sent (write-ahead) and only by the
 * lease holder (fencing), so what a chunk seq holds is decided once, and a
 * resumption knows every chunk that may have gone out.
 */
import type { TokenChunk } from '../messages/types.ts';

/** What an interrupted generation had recorded. */
export interface GenerationProgress {
  /** The generation's identity (TokenChunk.generationId), kept by every resumption. */
  readonly generationId: string;
  /** The lease owner that recorded the last chunk. */
  readonly owner: string;
  /** Seq of the next chunk. */
  readonly nextSeq: number;
  /** The raw text of chunks 0..nextSeq-1 (what a continuation starts from). */
  readonly text: string;
  /** Tokens of that text. */
  readonly tokenCount: number;
  /** Resumptions so far. */
  readonly resumes: number;
  /** The last recorded chunk, sent again on resumption: it may not have reached the broker. */
  readonly lastChunk: TokenChunk;
}

export type LeaseAcquisition =
  | { readonly kind: 'done' }
  | { readonly kind: 'held' }
  /** progress null: nothing recorded yet. `unreadable`: chunks went out but their record is not readable (older worker). */
  | { readonly kind: 'acquired'; readonly progress: GenerationProgress | null; readonly unreadable: boolean };

/** Outcome of recording a chunk: recorded, or the lease belongs to someone else / the request ended. */
export type RecordOutcome = 'recorded' | 'lost';

export interface GenerationLeaseStore {
  acquire(sessionId: string, requestId: string, owner: string, leaseMs: number): Promise<LeaseAcquisition>;
  /**
   * Extends the lease while generating; false when it was lost (another owner took it, or the request ended).
   * A lease that lapsed with no one else recording since is taken back (e.g. after Redis lost it).
   */
  renew(sessionId: string, requestId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Records a chunk about to be sent (the holder only; same take-back rule as renew). */
  record(
    sessionId: string,
    requestId: string,
    owner: string,
    leaseMs: number,
    progress: GenerationProgress,
  ): Promise<RecordOutcome>;
  /** The request's stream ended (done, error or cancelled): later deliveries skip it. */
  finish(sessionId: string, requestId: string, owner: string): Promise<void>;
  /** Gives the lease up without finishing: the next owner regenerates or resumes from the recorded progress. */
  release(sessionId: string, requestId: string, owner: string): Promise<void>;
}
