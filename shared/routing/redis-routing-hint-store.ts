/**
 * RoutingHintStore on Redis. Every call is ONE pipeline (one round trip):
 *
 * - lookup: HGETALL session; per replica ZMSCORE blocks <prompt hashes> and
 *   HGETALL load. A replica matches the leading hashes it has with a score
 *   (last sent) younger than the block TTL; loads count fields of other
 *   workers written within loadFreshMs.
 * - recordRouted: ZADD the prompt's hashes (score = now), ZREMRANGEBYRANK to
 *   keep the newest maxBlocksPerReplica, PEXPIRE; HSET + EXPIRE the session
 *   hint; HSET + PEXPIRE this worker's load field.
 *
 * Keys are in shared/redis/redis-key-namespace.ts; their TTLs in README.md.
 */
import type { ChainableCommander, Redis } from 'ioredis';
import { redisFailure } from '../redis/redis-connection.ts';
import type { RedisKeyNamespace } from '../redis/redis-key-namespace.ts';
import type {
  FinishedRecord,
  HintQuery,
  HintSnapshot,
  ReplicaHint,
  RoutedRecord,
  RoutingHintStore,
  SessionHint,
} from './routing-hint-store.ts';
import type { RoutingOptions } from './routing-options.ts';

export type HintStoreSettings = Pick<
  RoutingOptions,
  'sessionTtlSeconds' | 'blockTtlSeconds' | 'maxBlocksPerReplica' | 'loadFreshMs'
>;

type PipelineResults = [error: Error | null, result: unknown][];

export class RedisRoutingHintStore implements RoutingHintStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeyNamespace,
    private readonly settings: HintStoreSettings,
    private readonly now: () => number = Date.now,
  ) {}

  async lookup(query: HintQuery): Promise<HintSnapshot> {
    const pipeline = this.redis.pipeline();
    pipeline.hgetall(this.keys.routedSession(query.sessionId));
    for (const replica of query.replicas) {
      if (query.blockHashes.length > 0)
        pipeline.zmscore(this.keys.replicaBlocks(replica), ...query.blockHashes);
      pipeline.hgetall(this.keys.replicaLoad(replica));
    }
    const results = await this.exec(pipeline, 'hint lookup', query.sessionId);
    const now = this.now();
    const oldestBlockMs = now - this.settings.blockTtlSeconds * 1_000;
    let at = 0;
    const session = sessionHintOf(results[at++]?.[1]);
    const replicas = new Map<string, ReplicaHint>();
    for (const replica of query.replicas) {
      const scores = query.blockHashes.length > 0 ? results[at++]?.[1] : [];
      const load = results[at++]?.[1];
      replicas.set(replica, {
        matchBlocks: leadingFreshBlocks(scores, oldestBlockMs),
        othersInFlight: othersInFlight(load, query.workerId, now - this.settings.loadFreshMs),
      });
    }
    return { session, replicas };
  }

  async recordRouted(record: RoutedRecord): Promise<void> {
    const now = this.now();
    const pipeline = this.redis.pipeline();
    const blocksKey = this.keys.replicaBlocks(record.replica);
    if (record.blockHashes.length > 0) {
      const members = record.blockHashes.flatMap((hash) => [now, hash]);
      pipeline.zadd(blocksKey, ...members);
      pipeline.zremrangebyrank(blocksKey, 0, -(this.settings.maxBlocksPerReplica + 1));
      pipeline.pexpire(blocksKey, this.settings.blockTtlSeconds * 1_000);
    }
    const sessionKey = this.keys.routedSession(record.sessionId);
    pipeline.hset(sessionKey, {
      replica: record.replica,
      slot: String(record.slot ?? -1),
      blocks: String(record.blockHashes.length),
      tail: record.blockHashes.at(-1) ?? '',
      at: String(now),
    });
    pipeline.expire(sessionKey, this.settings.sessionTtlSeconds);
    this.addLoad(pipeline, record.workerId, record.replica, record.workerInFlight, now);
    await this.exec(pipeline, 'hint record', record.sessionId);
  }

  async recordFinished(record: FinishedRecord): Promise<void> {
    const now = this.now();
    const pipeline = this.redis.pipeline();
    if (record.slot !== undefined) {
      const sessionKey = this.keys.routedSession(record.sessionId);
      pipeline.hset(sessionKey, 'slot', String(record.slot));
      pipeline.expire(sessionKey, this.settings.sessionTtlSeconds);
    }
    this.addLoad(pipeline, record.workerId, record.replica, record.workerInFlight, now);
    await this.exec(pipeline, 'hint finish', record.sessionId);
  }

  async publishLoad(workerId: string, counts: ReadonlyMap<string, number>): Promise<void> {
    if (counts.size === 0) return;
    const now = this.now();
    const pipeline = this.redis.pipeline();
    for (const [replica, count] of counts) this.addLoad(pipeline, workerId, replica, count, now);
    await this.exec(pipeline, 'load heartbeat');
  }

  private addLoad(
    pipeline: ChainableCommander,
    workerId: string,
    replica: string,
    count: number,
    now: number,
  ) {
    const key = this.keys.replicaLoad(replica);
    if (count <= 0) {
      pipeline.hdel(key, workerId);
      return;
    }
    pipeline.hset(key, workerId, `${count}:${now}`);
    pipeline.pexpire(key, this.settings.loadFreshMs * 2);
  }

  private async exec(
    pipeline: ChainableCommander,
    operation: string,
    sessionId?: string,
  ): Promise<PipelineResults> {
    let results: PipelineResults | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw redisFailure(operation, error, sessionId);
    }
    if (results === null) throw redisFailure(operation, new Error('pipeline discarded'), sessionId);
    const failed = results.find(([error]) => error !== null);
    if (failed !== undefined) throw redisFailure(operation, failed[0], sessionId);
    return results;
  }
}

function sessionHintOf(raw: unknown): SessionHint | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const fields = raw as Record<string, string>;
  const replica = fields['replica'];
  if (replica === undefined || replica === '') return undefined;
  const slot = Number(fields['slot'] ?? -1);
  const blocks = Number(fields['blocks'] ?? 0);
  return {
    replica,
    ...(Number.isInteger(slot) && slot >= 0 ? { slot } : {}),
    blocks: Number.isInteger(blocks) && blocks > 0 ? blocks : 0,
    tailHash: fields['tail'] ?? '',
    atMs: Number(fields['at'] ?? 0),
  };
}

/** Leading hashes with a score (last sent) not older than the cut-off. */
function leadingFreshBlocks(raw: unknown, oldestMs: number): number {
  if (!Array.isArray(raw)) return 0;
  let matched = 0;
  for (const score of raw) {
    if (score === null || Number(score) < oldestMs) break;
    matched += 1;
  }
  return matched;
}

/** Sum of "<count>:<ms>" fields of other workers written since `freshSinceMs`. */
function othersInFlight(raw: unknown, workerId: string, freshSinceMs: number): number {
  if (typeof raw !== 'object' || raw === null) return 0;
  let total = 0;
  for (const [worker, value] of Object.entries(raw as Record<string, string>)) {
    if (worker === workerId) continue;
    const [count, at] = value.split(':').map(Number);
    if (count === undefined || at === undefined || !(at >= freshSinceMs) || !(count > 0)) continue;
    total += count;
  }
  return total;
}
