/**
 * The Redis-backed stores a worker needs, on one connection and one key
 * namespace. Stages get the ports; only this folder knows ioredis.
 */
import type { Redis } from 'ioredis';
import type { ConversationHistoryStore, HistoryLimits } from './conversation-history-store.ts';
import { RedisConversationHistoryStore } from './redis-conversation-history-store.ts';
import { RedisKeyNamespace } from './redis-key-namespace.ts';
import { DEFAULT_STREAM_PROGRESS_TTL_MS, RedisStreamProgressStore } from './redis-stream-progress-store.ts';
import type { StreamProgressStore } from './stream-progress-store.ts';

export interface RedisStores {
  readonly history: ConversationHistoryStore;
  readonly progress: StreamProgressStore;
}

export interface RedisStoresOptions {
  /** Key prefix. Default "kpo". */
  readonly keyPrefix?: string;
  readonly history?: Partial<HistoryLimits>;
  /** Default 1 hour. */
  readonly progressTtlMs?: number;
}

export function createRedisStores(redis: Redis, options: RedisStoresOptions = {}): RedisStores {
  const keys = new RedisKeyNamespace(options.keyPrefix ?? 'kpo');
  return {
    history: new RedisConversationHistoryStore(redis, keys, options.history),
    progress: new RedisStreamProgressStore(
      redis,
      keys,
      options.progressTtlMs ?? DEFAULT_STREAM_PROGRESS_TTL_MS,
    ),
  };
}
