/**
 * Key names of the routing hints, all under `<prefix>:kv:`. Replica and
 * session names are URI-encoded so a name can never break out of its slot in
 * the key (or contain spaces or braces).
 */
export class RoutingKeys {
  readonly base: string;

  constructor(prefix = 'kpo') {
    if (prefix.length === 0 || /[{}\s]/.test(prefix)) {
      throw new RangeError(`routing key prefix must be non-empty without braces or spaces, got "${prefix}"`);
    }
    this.base = `${prefix}:kv`;
  }

  /** Hash: replica, slot, blocks, tail (hash of its last block), at (ms) — where a session was last served. */
  session(sessionId: string): string {
    return `${this.base}:session:${encodeURIComponent(sessionId)}`;
  }

  /** Sorted set: block hashes sent to a replica, score = last time sent (epoch ms). */
  replicaBlocks(replica: string): string {
    return `${this.base}:blocks:${encodeURIComponent(replica)}`;
  }

  /** Hash: worker ID → "<in-flight>:<epoch ms>", one field per inference worker. */
  replicaLoad(replica: string): string {
    return `${this.base}:load:${encodeURIComponent(replica)}`;
  }
}
