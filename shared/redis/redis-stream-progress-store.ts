/**
 * StreamProgressStore on Redis: one small JSON value per request with a TTL
 * (a request's progress is useless once it has long ended). A value that does
 * not parse is treated as absent: the stream then starts the request afresh.
 */
import type { Redis } from 'ioredis';
import { redisFailure } from './redis-connection.ts';
import type { RedisKeyNamespace } from './redis-key-namespace.ts';
import type { StreamProgress, StreamProgressStore } from './stream-progress-store.ts';

/** Default life of a progress entry: 1 hour. */
export const DEFAULT_STREAM_PROGRESS_TTL_MS = 3_600_000;

export class RedisStreamProgressStore implements StreamProgressStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeyNamespace;
  private readonly ttlMs: number;

  constructor(redis: Redis, keys: RedisKeyNamespace, ttlMs = DEFAULT_STREAM_PROGRESS_TTL_MS) {
    this.redis = redis;
    this.keys = keys;
    this.ttlMs = ttlMs;
  }

  async load(sessionId: string, requestId: string): Promise<StreamProgress | null> {
    let raw: string | null;
    try {
      raw = await this.redis.get(this.keys.streamProgress(sessionId, requestId));
    } catch (error) {
      throw redisFailure('GET stream progress', error, sessionId);
    }
    return raw === null ? null : parseProgress(raw);
  }

  async save(sessionId: string, requestId: string, progress: StreamProgress): Promise<void> {
    try {
      await this.redis.set(
        this.keys.streamProgress(sessionId, requestId),
        JSON.stringify(progress),
        'PX',
        this.ttlMs,
      );
    } catch (error) {
      throw redisFailure('SET stream progress', error, sessionId);
    }
  }
}

function parseProgress(raw: string): StreamProgress | null {
  try {
    const value = JSON.parse(raw) as Partial<StreamProgress>;
    if (
      typeof value.nextChunkSeq === 'number' &&
      typeof value.nextEventSeq === 'number' &&
      typeof value.heldText === 'string' &&
      typeof value.assistantText === 'string' &&
      typeof value.terminated === 'boolean'
    ) {
      return {
        nextChunkSeq: value.nextChunkSeq,
        nextEventSeq: value.nextEventSeq,
        heldText: value.heldText,
        assistantText: value.assistantText,
        userTurn: typeof value.userTurn === 'string' ? value.userTurn : null,
        replyTo: typeof value.replyTo === 'string' ? value.replyTo : null,
        requestCreatedAtMs: typeof value.requestCreatedAtMs === 'number' ? value.requestCreatedAtMs : 0,
        // Progress saved before finishReason existed lacks it.
        pendingTerminal: value.pendingTerminal
          ? { ...value.pendingTerminal, finishReason: value.pendingTerminal.finishReason ?? null }
          : null,
        terminated: value.terminated,
        generationId: typeof value.generationId === 'string' ? value.generationId : null,
        resumes: typeof value.resumes === 'number' ? value.resumes : 0,
        version: typeof value.version === 'number' ? value.version : 0,
      };
    }
  } catch {
    // fall through: unreadable progress is treated as none
  }
  return null;
}
