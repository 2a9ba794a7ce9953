/**
 * The ioredis client routing uses: it must never make a request wait. Offline
 * queueing is off (a command while disconnected fails at once), every command
 * has a timeout, and there are no per-command retries; the client keeps
 * reconnecting in the background, so hints come back when Redis does.
 */
import { Redis } from 'ioredis';

export interface RoutingRedisConnectionOptions {
  readonly url: string;
  /** Per-command timeout, ms: the backstop for hint writes (lookups have their own, tighter budget). Default 250. */
  readonly commandTimeoutMs?: number;
  /** Connect timeout, ms. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** Told about connection errors (the client reconnects by itself). Default: ignored. */
  readonly onError?: (error: Error) => void;
}

export function createRoutingRedisConnection(options: RoutingRedisConnectionOptions): Redis {
  const redis = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  });
  // Without a listener ioredis prints every reconnect failure; routing already counts its fallbacks.
  redis.on('error', (error: Error) => options.onError?.(error));
  redis.connect().catch(() => undefined);
  return redis;
}

/** Resolves true once the client is ready, false after timeoutMs (routing then starts in fallback). */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
