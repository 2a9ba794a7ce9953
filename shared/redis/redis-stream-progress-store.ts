/**
 * StreamProgressStore on Redis: one small value per request with a TTL (a
 * request's progress is useless once it has long ended): `<version>:<JSON>`,
 * the version up front so the save script compares it without parsing JSON.
 * A save is one script call (compare the version, set): the fence against a
 * worker whose copy is stale costs no extra round trip. A value that does not
 * parse is treated as absent: the stream then starts the request afresh.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisFailure } from './redis-connection.ts';
import type { RedisKeyNamespace } from './redis-key-namespace.ts';
import type { StreamProgress, StreamProgressStore } from './stream-progress-store.ts';

/** Default life of a progress entry: 1 hour. */
export const DEFAULT_STREAM_PROGRESS_TTL_MS = 3_600_000;

/**
 * KEYS[1] progress key; ARGV: expected stored version (0 = none), value, TTL ms. Returns 1 when saved.
 * Values written before the version prefix existed are plain JSON: their version is read from it.
 */
const SAVE_IF_VERSION = `
local current = redis.call('GET', KEYS[1])
local version = 0
if current then
  version = tonumber(string.match(current, '^(%d+):'))
  if version == nil then
    local ok, decoded = pcall(cjson.decode, current)
    version = ok and type(decoded) == 'table' and tonumber(decoded.version) or 0
  end
end
if version ~= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;
const SAVE_IF_VERSION_SHA = createHash('sha1').update(SAVE_IF_VERSION).digest('hex');

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

  async save(sessionId: string, requestId: string, progress: StreamProgress): Promise<boolean> {
    const args = [
      1,
      this.keys.streamProgress(sessionId, requestId),
      progress.version - 1,
      `${progress.version}:${JSON.stringify(progress)}`,
      this.ttlMs,
    ] as const;
    try {
      let saved: unknown;
      try {
        saved = await this.redis.evalsha(SAVE_IF_VERSION_SHA, ...args);
      } catch (error) {
        if (!String(error).includes('NOSCRIPT')) throw error;
        saved = await this.redis.eval(SAVE_IF_VERSION, ...args);
      }
      return saved === 1;
    } catch (error) {
      throw redisFailure('save stream progress', error, sessionId);
    }
  }
}

function parseProgress(raw: string): StreamProgress | null {
  try {
    const value = JSON.parse(
      raw.startsWith('{') ? raw : raw.slice(raw.indexOf(':') + 1),
    ) as Partial<StreamProgress>;
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
        // Progress saved before the outbox existed has none.
        outbox: Array.isArray(value.outbox) ? value.outbox : [],
        outboxSavedAtMs: typeof value.outboxSavedAtMs === 'number' ? value.outboxSavedAtMs : 0,
      };
    }
  } catch {
    // fall through: unreadable progress is treated as none
  }
  return null;
}
