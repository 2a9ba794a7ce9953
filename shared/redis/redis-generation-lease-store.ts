/**
 * GenerationLeaseStore on Redis: a short lease key (owner, PX) and a state key
 * per request holding "done" or the recorded progress (JSON, EX
 * stateTtlSeconds). Each operation is one script, so lease and state are
 * read and written together.
 */
import type { Redis } from 'ioredis';
import type {
  GenerationLeaseStore,
  GenerationProgress,
  LeaseAcquisition,
  RecordOutcome,
} from './generation-lease-store.ts';
import { redisFailure } from './redis-connection.ts';
import type { RedisKeyNamespace } from './redis-key-namespace.ts';

/** How long progress and "done" are remembered: longer than any redelivery can take. Default 1 h. */
export const DEFAULT_GENERATION_STATE_TTL_SECONDS = 3_600;

// KEYS[1] lease, KEYS[2] state; ARGV[1] owner, ARGV[2] lease ms. Returns {kind, state}.
const ACQUIRE = `
local state = redis.call('GET', KEYS[2])
if state == 'done' then return {'done', ''} end
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {'held', ''} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {'acquired', state or ''}
`;

// May ARGV[1] hold the lease? It holds it, or the lease lapsed and no one else recorded progress since
// (a lapse while Redis restarted, or a slow renewal), so taking it back cannot splice two generations.
const MAY_HOLD = `
local function may_hold()
  local holder = redis.call('GET', KEYS[1])
  if holder then return holder == ARGV[1] end
  local state = redis.call('GET', KEYS[2])
  if not state then return true end
  if state == 'done' then return false end
  local ok, progress = pcall(cjson.decode, state)
  return ok and type(progress) == 'table' and progress.owner == ARGV[1]
end
`;

// KEYS[1] lease, KEYS[2] state; ARGV[1] owner, ARGV[2] lease ms. Returns 1 renewed, 0 lost.
const RENEW = `${MAY_HOLD}
if not may_hold() then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

// KEYS[1] lease, KEYS[2] state; ARGV[1] owner, ARGV[2] lease ms, ARGV[3] state ttl s, ARGV[4] progress JSON.
const RECORD = `${MAY_HOLD}
if not may_hold() then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[4], 'EX', ARGV[3])
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
    if (state === '') return { kind: 'acquired', progress: null, unreadable: false };
    const progress = parseProgress(state);
    return { kind: 'acquired', progress, unreadable: progress === null };
  }

  async renew(sessionId: string, requestId: string, owner: string, leaseMs: number): Promise<boolean> {
    const renewed = await this.run('renew', sessionId, () =>
      this.redis.eval(RENEW, 2, ...this.pair(sessionId, requestId), owner, String(leaseMs)),
    );
    return renewed === 1;
  }

  async record(
    sessionId: string,
    requestId: string,
    owner: string,
    leaseMs: number,
    progress: GenerationProgress,
  ): Promise<RecordOutcome> {
    const recorded = await this.run('record', sessionId, () =>
      this.redis.eval(
        RECORD,
        2,
        ...this.pair(sessionId, requestId),
        owner,
        String(leaseMs),
        String(this.stateTtlSeconds),
        JSON.stringify(progress),
      ),
    );
    return recorded === 1 ? 'recorded' : 'lost';
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

/** Progress as recorded, or null when the state is not readable progress (e.g. an older worker's "started"). */
function parseProgress(raw: string): GenerationProgress | null {
  try {
    const value = JSON.parse(raw) as Partial<GenerationProgress>;
    if (
      typeof value.generationId === 'string' &&
      typeof value.owner === 'string' &&
      typeof value.nextSeq === 'number' &&
      typeof value.text === 'string' &&
      typeof value.tokenCount === 'number' &&
      typeof value.resumes === 'number' &&
      typeof value.lastChunk === 'object' &&
      value.lastChunk !== null
    ) {
      return value as GenerationProgress;
    }
  } catch {
    // not JSON: fall through
  }
  return null;
}
