/**
 * The one way kpo connects to Redis. Every ioredis client of the project is
 * made here, so connection settings (AUTH, TLS, timeouts) live in one place.
 *
 * AUTH and TLS come from `security` (resolveRedisSecurity of the pipeline file's `redis` section).
 *
 * Default: commands fail fast (bounded retries per request) instead of queueing
 * forever while Redis is down, so a stage sees a retryable KPO_REDIS and the
 * runtime's backoff takes over. Every command has a timeout too: a Redis that
 * accepts connections but stalls (not refused) would otherwise hang every
 * attempt that touches it. Callers that must never make a request wait
 * (routing hints) add NEVER_WAIT.
 */
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { KpoError } from '../errors/kpo-error.ts';
import { ioredisSecurityOptions, redactAuthArguments, type RedisSecurity } from './redis-security.ts';

export interface RedisConnectionOptions {
  readonly url: string;
  /** Username, password and TLS. Default: none (a plain connection as the default user). */
  readonly security?: RedisSecurity;
  /** Per-command retries while reconnecting (0: a command fails at once). Default 2. */
  readonly maxRetriesPerRequest?: number;
  /** Connect timeout. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** A command without a reply within this fails ("Command timed out"). Default 5000 ms. */
  readonly commandTimeoutMs?: number;
  /** Queue commands while disconnected (false: they fail at once). Default true. */
  readonly offlineQueue?: boolean;
  /** Reconnect attempts wait 50 ms more each time, up to this. Default 2000 ms. */
  readonly reconnectMaxDelayMs?: number;
  /** Connect at once, in the background, instead of on the first command. Default false. */
  readonly connectNow?: boolean;
  /** Told about connection errors (the client reconnects by itself); silences ioredis' own printing. */
  readonly onError?: (error: Error) => void;
}

/**
 * For a client that must never make a request wait: no offline queue (a command while disconnected fails at
 * once), no per-command retries, a 250 ms command timeout as the backstop, a 1 s connect timeout, reconnecting
 * in the background from the start, errors ignored (the caller counts its own fallbacks).
 */
export const NEVER_WAIT: Omit<RedisConnectionOptions, 'url' | 'security'> = {
  offlineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeoutMs: 250,
  connectTimeoutMs: 1_000,
  reconnectMaxDelayMs: 1_000,
  connectNow: true,
  onError: () => undefined,
};

export function createRedisConnection(options: RedisConnectionOptions): Redis {
  const reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 2_000;
  // Settings Redis refused before the first ready (password, certificate) do not heal by reconnecting:
  // stop, so the first connect fails instead of retrying forever (checkRedisConnection explains it).
  let everReady = false;
  let refusedSettings = false;
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: options.offlineQueue ?? true,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    commandTimeout: options.commandTimeoutMs ?? 5_000,
    retryStrategy: (times) => (refusedSettings ? null : Math.min(50 * times, reconnectMaxDelayMs)),
    ...ioredisSecurityOptions(options.security ?? {}),
  });
  redis.once('ready', () => {
    everReady = true;
  });
  const { onError } = options;
  redis.on('error', (error: Error) => {
    redactAuthArguments(error);
    if (!everReady && isRefusedSetting(error)) refusedSettings = true;
    // This listener silences ioredis' own printing of unhandled errors: print as it did when no one listens.
    if (onError === undefined) process.stderr.write(`[ioredis] Unhandled error event: ${error.stack}\n`);
    else onError(error);
  });
  if (options.connectNow === true) redis.connect().catch(() => undefined);
  return redis;
}

/** Resolves true once the client is ready, false after timeoutMs (connection errors meanwhile do not end the wait). */
export async function redisReadyWithin(redis: Redis, timeoutMs: number): Promise<boolean> {
  const deadline = AbortSignal.timeout(timeoutMs);
  while (redis.status !== 'ready' && !deadline.aborted) {
    // once() also rejects on an 'error' event (a failed connect attempt): wait on for the next one.
    await once(redis, 'ready', { signal: deadline }).catch(() => undefined);
  }
  return redis.status === 'ready';
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

/** A refused password or an untrusted certificate: reconnecting with the same settings cannot help. */
function isRefusedSetting(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return (
    /^(WRONGPASS|NOAUTH)/.test(error.message) || /CERT|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO|ALTNAME/.test(code)
  );
}

/** True when Redis refused a command because the key holds another type. */
export function isWrongTypeError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}
