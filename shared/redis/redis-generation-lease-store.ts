/**
 * GenerationLeaseStore on Redis: a short lease key (owner, PX) and a state key
 * ("started" | "done", EX stateTtlSeconds) per request. Each operation is one
 * script, so acquire sees lease and state together.
 */
import type { Redis } from 'ioredis';
import type { GenerationLeaseStore, LeaseAcquisition } from './generation-lease-store.ts';
import { redisFailure } from './redis-connection.ts';
import type { RedisKeyNamespace } from './redis-key-namespace.ts';

/** How long "started"/"done" are remembered: longer than any redelivery can take. Default 1 h. */
export const DEFAULT_GENERATION_STATE_TTL_SECONDS = 3_600;

// KEYS[1] lease, KEYS[2] state; ARGV[1] owner, ARGV[2] lease ms. Returns {kind, state}.
const ACQUIRE = `
local state = redis.call('GET', KEYS[2])
if state == 'done' then return {'done', ''} end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {'held', state or ''} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'acquired', state or ''}
`;
// KEYS[1] lease; ARGV[1] owner, ARGV[2] lease ms. Returns 1 renewed, 0 lost.
const RENEW = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
// KEYS[1] lease, KEYS[2] state; ARGV[1] owner, ARGV[2] state ttl s, ARGV[3] new state or ''.
const END = `
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[2]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

export class RedisGenerationLeaseStore implements GenerationLeaseStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeyNamespace,
    private readonly stateTtlSeconds = DEFAULT_GENERATION_STATE_TTL_SECONDS,
  ) {}

  async acquire(
    sessionId: string,
    requestId: string,
    owner: string,
    leaseMs: number,
  ): Promise<LeaseAcquisition> {
    const [kind, state] = (await this.run('acquire', sessionId, () =>
      this.redis.eval(ACQUIRE, 2, ...this.pair(sessionId, requestId), owner, String(leaseMs)),
    )) as [string, string];
    if (kind === 'done') return { kind: 'done' };
    if (kind === 'held') return { kind: 'held' };
    return { kind: 'acquired', startedBefore: state === 'started' };
  }

  async renew(sessionId: string, requestId: string, owner: string, leaseMs: number): Promise<boolean> {
    const renewed = await this.run('renew', sessionId, () =>
      this.redis.eval(RENEW, 1, this.keys.generationLease(sessionId, requestId), owner, String(leaseMs)),
    );
    return renewed === 1;
  }

  async markStarted(sessionId: string, requestId: string): Promise<void> {
    await this.run('mark started', sessionId, () =>
      this.redis.set(this.keys.generationState(sessionId, requestId), 'started', 'EX', this.stateTtlSeconds),
    );
  }

  async finish(sessionId: string, requestId: string, owner: string): Promise<void> {
    await this.end(sessionId, requestId, owner, 'done');
  }

  async release(sessionId: string, requestId: string, owner: string): Promise<void> {
    await this.end(sessionId, requestId, owner, '');
  }

  private async end(sessionId: string, requestId: string, owner: string, state: string): Promise<void> {
    await this.run('end lease', sessionId, () =>
      this.redis.eval(END, 2, ...this.pair(sessionId, requestId), owner, String(this.stateTtlSeconds), state),
    );
  }

  private pair(sessionId: string, requestId: string): [string, string] {
    return [this.keys.generationLease(sessionId, requestId), this.keys.generationState(sessionId, requestId)];
  }

  private async run<T>(operation: string, sessionId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw redisFailure(`generation lease ${operation}`, error, sessionId);
    }
  }
}
