/**
 * Key names of everything kpo stores in Redis, under one namespace prefix
 * (default "kpo"), so several pipelines can share a Redis and a FLUSH is never
 * needed. Session-scoped keys put the session ID in a {hash tag}, so a
 * session's keys share one cluster slot and a Lua script may touch them all.
 * Routing hints live under `<prefix>:kv:`; their replica and session names are
 * URI-encoded so a name can never break out of its place in the key.
 */
export class RedisKeyNamespace {
  readonly prefix: string;

  constructor(prefix = 'kpo') {
    if (prefix.length === 0 || /[{}\s]/.test(prefix)) {
      throw new RangeError(`redis key prefix must be non-empty without braces or spaces, got "${prefix}"`);
    }
    this.prefix = prefix;
  }

  /** List of a session's history turns (JSON per element), oldest first. */
  history(sessionId: string): string {
    return `${this.prefix}:history:{${sessionId}}`;
  }

  /** Marker that one request's exchange was appended (idempotent append). */
  historyAppended(sessionId: string, requestId: string): string {
    return `${this.prefix}:history-appended:{${sessionId}}:${requestId}`;
  }

  /** Which inference worker generates a request right now (short lease). */
  generationLease(sessionId: string, requestId: string): string {
    return `${this.prefix}:gen-lease:{${sessionId}}:${requestId}`;
  }

  /** A request's recorded generation progress (JSON), or "done" once its stream ended. */
  generationState(sessionId: string, requestId: string): string {
    return `${this.prefix}:gen-state:{${sessionId}}:${requestId}`;
  }

  /** Stream-stage progress of one request (resume point after a failover). */
  streamProgress(sessionId: string, requestId: string): string {
    return `${this.prefix}:stream-progress:{${sessionId}}:${requestId}`;
  }

  /** Routing hint, hash: replica, slot, blocks, tail (hash of its last block), at (ms) — where a session was last served. */
  routedSession(sessionId: string): string {
    return `${this.prefix}:kv:session:${encodeURIComponent(sessionId)}`;
  }

  /** Routing hint, sorted set: block hashes sent to a replica, score = last time sent (epoch ms). */
  replicaBlocks(replica: string): string {
    return `${this.prefix}:kv:blocks:${encodeURIComponent(replica)}`;
  }

  /** Routing hint, hash: worker ID → "<in-flight>:<epoch ms>", one field per inference worker. */
  replicaLoad(replica: string): string {
    return `${this.prefix}:kv:load:${encodeURIComponent(replica)}`;
  }

  /** A tenant's sliding window of requests or tokens (gateway); both keys of a tenant share a cluster slot. */
  tenantRateLimit(tenant: string, limit: 'requests' | 'tokens'): string {
    return `${this.prefix}:ratelimit:{${tenant}}:${limit}`;
  }
}
