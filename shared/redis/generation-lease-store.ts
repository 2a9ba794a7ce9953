/**
 * Who generates a request's tokens, shared by every inference worker. At-least-once
 * delivery means a prompt can reach a second worker (after a crash, or while a
 * rebalance moves its partition) during or after a first generation. Tokens must
 * never be replayed to a client, so the second worker asks here first:
 *  - done     → another worker finished it; the outputs exist, skip.
 *  - held     → another worker is generating it right now; wait.
 *  - acquired → this worker owns it. If an earlier owner had already started
 *               sending tokens (startedBefore), the request ends with an error
 *               instead of a second, different stream.
 */
export type LeaseAcquisition =
  | { readonly kind: 'done' }
  | { readonly kind: 'held' }
  | { readonly kind: 'acquired'; readonly startedBefore: boolean };

export interface GenerationLeaseStore {
  acquire(sessionId: string, requestId: string, owner: string, leaseMs: number): Promise<LeaseAcquisition>;
  /** Extends the lease while generating; false when the lease was lost. */
  renew(sessionId: string, requestId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Records that tokens are about to go out: from now on no one may generate the request again. */
  markStarted(sessionId: string, requestId: string): Promise<void>;
  /** The request's stream ended (done, error or cancelled): later deliveries skip it. */
  finish(sessionId: string, requestId: string, owner: string): Promise<void>;
  /** Gives the lease up without finishing (failed before any token): a retry may generate afresh. */
  release(sessionId: string, requestId: string, owner: string): Promise<void>;
}
