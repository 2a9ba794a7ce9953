/**
 * Creates the one ioredis client a worker uses. Commands fail fast (bounded
 * retries per request) instead of queueing forever while Redis is down, so a
 * stage sees a retryable KPO_REDIS and the runtime's backoff takes over.
 * Every command has a timeout too: a Redis that accepts connections but stalls
 * (not refused) would otherwise hang every attempt that touches it.
 */
import { Redis } from 'ioredis';
import { KpoError } from '../errors/kpo-error.ts';

export interface RedisConnectionOptions {
  readonly url: string;
  /** Per-command retries while reconnecting. Default 2. */
  readonly maxRetriesPerRequest?: number;
  /** Connect timeout. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** A command without a reply within this fails ("Command timed out"). Default 5000 ms. */
  readonly commandTimeoutMs?: number;
}

export function createRedisConnection(options: RedisConnectionOptions): Redis {
  return new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
  });
}

/** Wraps a Redis client failure into a retryable KpoError. */
export function redisFailure(operation: string, cause: unknown, sessionId?: string): KpoError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new KpoError('KPO_REDIS', `redis ${operation} failed: ${reason}`, {
    retryable: true,
    cause,
    ...(sessionId === undefined ? {} : { context: { sessionId } }),
  });
}

/** True when Redis refused a command because the key holds another type. */
export function isWrongTypeError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}
