/**
 * The hint store port: what cache-aware routing remembers, shared by every
 * inference worker. Approximate, like llm-d's approximate prefix scorer: it
 * records what was SENT where, not what the engines report holding.
 *
 * - lookup() answers one routing decision in one round trip: the session's
 *   last replica, and per candidate replica the longest run of leading prompt
 *   blocks it was sent (within the block TTL) and the in-flight requests other
 *   workers have on it.
 * - recordRouted() remembers a decision: the prompt's blocks on the replica
 *   (trimmed LRU-style to a bound), the session hint, this worker's load.
 * - recordFinished() updates the session's slot (llama.cpp) and this worker's load.
 * - publishLoad() re-publishes this worker's counts (heartbeat).
 *
 * Every method may reject (Redis down or slow): callers fall back, never fail.
 */

export interface SessionHint {
  readonly replica: string;
  /** llama.cpp slot that served the session, when known. */
  readonly slot?: number;
  /** Prompt blocks the replica was sent for this session. */
  readonly blocks: number;
  /** Hash of the last of those blocks: the hint holds for a prompt whose block `blocks-1` has this hash. */
  readonly tailHash: string;
  /** Epoch ms of the request that set it. */
  readonly atMs: number;
}

export interface ReplicaHint {
  /** Leading prompt blocks the replica was sent recently. */
  readonly matchBlocks: number;
  /** In-flight requests on the replica from OTHER workers (fresh published counts). */
  readonly othersInFlight: number;
}

export interface HintQuery {
  readonly sessionId: string;
  readonly blockHashes: readonly string[];
  readonly replicas: readonly string[];
  /** The asking worker; its own published count is left out of othersInFlight. */
  readonly workerId: string;
}

export interface HintSnapshot {
  readonly session: SessionHint | undefined;
  readonly replicas: ReadonlyMap<string, ReplicaHint>;
}

export interface RoutedRecord {
  readonly sessionId: string;
  readonly replica: string;
  readonly blockHashes: readonly string[];
  readonly workerId: string;
  /** This worker's in-flight count on the replica, this request included. */
  readonly workerInFlight: number;
  /** Slot the request was sent to (llama.cpp), when pinned. */
  readonly slot?: number;
}

export interface FinishedRecord {
  readonly sessionId: string;
  readonly replica: string;
  readonly workerId: string;
  readonly workerInFlight: number;
  /** Slot the server reported, when it did. */
  readonly slot?: number;
}

export interface RoutingHintStore {
  lookup(query: HintQuery): Promise<HintSnapshot>;
  recordRouted(record: RoutedRecord): Promise<void>;
  recordFinished(record: FinishedRecord): Promise<void>;
  publishLoad(workerId: string, counts: ReadonlyMap<string, number>): Promise<void>;
}
