/**
 * ConversationHistoryStore on Redis: a list per session (RPUSH, LTRIM to the
 * newest maxTurns, EXPIRE on every append) and a marker key per appended
 * request. Append is one Lua script, so "marker set" and "turns pushed" happen
 * together or not at all.
 */
import type { Redis } from 'ioredis';
import {
  DEFAULT_HISTORY_LIMITS,
  type ConversationHistoryStore,
  type HistoryLimits,
  type HistoryTurn,
} from './conversation-history-store.ts';
import { corrupt, decodeHistoryTurns, encodeHistoryTurn } from './history-turn-codec.ts';
import { isWrongTypeError, redisFailure } from './redis-connection.ts';
import type { RedisKeyNamespace } from './redis-key-namespace.ts';

/** Seconds an append marker lives when history never expires (ttlSeconds = 0): 7 days. */
const MARKER_TTL_WITHOUT_HISTORY_TTL_SECONDS = 7 * 86_400;

// KEYS[1] history list, KEYS[2] append marker; ARGV[1] ttl s (0 = none), ARGV[2] max turns,
// ARGV[3] marker ttl s, ARGV[4..] encoded turns. Returns 1 appended, 0 repeat, -1 wrong type.
const APPEND_SCRIPT = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and kind ~= 'list' then return -1 end
if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return 0 end
for i = 4, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
local maxTurns = tonumber(ARGV[2])
if maxTurns > 0 then redis.call('LTRIM', KEYS[1], -maxTurns, -1) end
local ttl = tonumber(ARGV[1])
if ttl > 0 then redis.call('EXPIRE', KEYS[1], ttl) end
return 1
`;

export class RedisConversationHistoryStore implements ConversationHistoryStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeyNamespace;
  private readonly limits: HistoryLimits;

  constructor(redis: Redis, keys: RedisKeyNamespace, limits: Partial<HistoryLimits> = {}) {
    this.redis = redis;
    this.keys = keys;
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
  }

  async load(sessionId: string): Promise<HistoryTurn[]> {
    let entries: string[];
    try {
      entries = await this.redis.lrange(this.keys.history(sessionId), 0, -1);
    } catch (error) {
      if (isWrongTypeError(error)) throw corrupt(sessionId, 'the history key is not a list', error);
      throw redisFailure('LRANGE', error, sessionId);
    }
    return decodeHistoryTurns(sessionId, entries);
  }

  async appendExchange(
    sessionId: string,
    requestId: string,
    turns: readonly HistoryTurn[],
  ): Promise<boolean> {
    if (turns.length === 0) return false;
    const markerTtl =
      this.limits.ttlSeconds > 0 ? this.limits.ttlSeconds : MARKER_TTL_WITHOUT_HISTORY_TTL_SECONDS;
    let result: unknown;
    try {
      result = await this.redis.eval(
        APPEND_SCRIPT,
        2,
        this.keys.history(sessionId),
        this.keys.historyAppended(sessionId, requestId),
        String(this.limits.ttlSeconds),
        String(this.limits.maxTurns),
        String(markerTtl),
        ...turns.map(encodeHistoryTurn),
      );
    } catch (error) {
      throw redisFailure('history append', error, sessionId);
    }
    if (result === -1) throw corrupt(sessionId, 'the history key is not a list');
    return result === 1;
  }

  async clear(sessionId: string): Promise<void> {
    try {
      await this.redis.del(this.keys.history(sessionId));
    } catch (error) {
      throw redisFailure('DEL', error, sessionId);
    }
  }
}
