/**
 * For tests: the stream stage's Redis-backed stores (as workers/stream/stage.ts
 * builds them) on one connection and one key namespace.
 */
import type { Redis } from 'ioredis';
import type {
  ConversationHistoryStore,
  HistoryLimits,
} from '../../shared/redis/conversation-history-store.ts';
import { RedisConversationHistoryStore } from '../../shared/redis/redis-conversation-history-store.ts';
import { RedisKeyNamespace } from '../../shared/redis/redis-key-namespace.ts';
import {
  DEFAULT_STREAM_PROGRESS_TTL_MS,
  RedisStreamProgressStore,
} from '../../shared/redis/redis-stream-progress-store.ts';
import type { StreamProgressStore } from '../../shared/redis/stream-progress-store.ts';

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
