/**
 * Per-tenant limits on requests/min and tokens/min, shared by every gateway
 * replica through Redis. One Lua script checks and takes both in one atomic
 * step, so replicas never over-admit between a read and a write.
 *
 * The window slides over one-second buckets (a hash per tenant and limit:
 * bucket second → amount): a request is admitted when what the last 60
 * buckets hold plus its own cost fits the limit. Tokens are taken up front as
 * an estimate (prompt characters / 4 + max tokens, as OpenAI does) and
 * settled with the real usage once the request ends.
 */
import type { Redis } from 'ioredis';
import { redisFailure } from '../shared/redis/redis-connection.ts';
import { RedisKeyNamespace } from '../shared/redis/redis-key-namespace.ts';

const WINDOW_MS = 60_000;
const BUCKET_MS = 1_000;

/**
 * KEYS: requests hash, tokens hash. ARGV: now ms, window ms, bucket ms,
 * request limit, token limit, request cost, token cost (limit 0 = none).
 * Returns {admitted 0/1, requests used, tokens used, requests reset ms, tokens reset ms}.
 */
const ADMIT_SCRIPT = `
local now, window, bucket = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local current = math.floor(now / bucket)
local first = current - math.floor(window / bucket) + 1
local function used(key)
  local fields = redis.call('HGETALL', key)
  local total, earliest = 0, current
  for i = 1, #fields, 2 do
    local b = tonumber(fields[i])
    if b < first then redis.call('HDEL', key, fields[i])
    else
      total = total + tonumber(fields[i + 1])
      if b < earliest then earliest = b end
    end
  end
  return total, (earliest + math.floor(window / bucket)) * bucket - now
end
local limits = { tonumber(ARGV[4]), tonumber(ARGV[5]) }
local costs = { tonumber(ARGV[6]), tonumber(ARGV[7]) }
local usedReq, resetReq = used(KEYS[1])
local usedTok, resetTok = used(KEYS[2])
local admitted = 1
if limits[1] > 0 and usedReq + costs[1] > limits[1] then admitted = 0 end
if limits[2] > 0 and usedTok + costs[2] > limits[2] then admitted = 0 end
if admitted == 1 then
  for i, key in ipairs(KEYS) do
    if costs[i] ~= 0 then
      redis.call('HINCRBY', key, current, costs[i])
      redis.call('PEXPIRE', key, window + bucket)
    end
  end
  usedReq, usedTok = usedReq + costs[1], usedTok + costs[2]
end
return { admitted, usedReq, usedTok, resetReq, resetTok }
`;

export interface TenantLimits {
  /** Requests per minute per tenant; 0 = no limit. */
  readonly requestsPerMinute: number;
  /** Tokens (prompt + completion) per minute per tenant; 0 = no limit. */
  readonly tokensPerMinute: number;
}

export interface LimitDecision {
  readonly admitted: boolean;
  /** Which limit refused the request. */
  readonly exceeded: 'requests' | 'tokens' | undefined;
  /** Seconds until the window has room again (when refused). */
  readonly retryAfterSeconds: number;
  /** x-ratelimit-* headers, as OpenAI sends them. */
  readonly headers: Readonly<Record<string, string>>;
}

type AdmitReply = [number, number, number, number, number];

export class TenantRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limits: TenantLimits,
    /** The pipeline's key namespace (`redisKeyPrefix`). */
    private readonly keys: RedisKeyNamespace = new RedisKeyNamespace(),
  ) {}

  get enabled(): boolean {
    return this.limits.requestsPerMinute > 0 || this.limits.tokensPerMinute > 0;
  }

  /** Takes one request and `estimatedTokens` from the tenant's windows, or refuses. */
  async admit(tenant: string, estimatedTokens: number, nowMs = Date.now()): Promise<LimitDecision> {
    const reply = await this.run(tenant, 1, estimatedTokens, nowMs);
    const [admitted, usedRequests, usedTokens, resetRequestsMs, resetTokensMs] = reply;
    const { requestsPerMinute: rpm, tokensPerMinute: tpm } = this.limits;
    const headers: Record<string, string> = {};
    if (rpm > 0) {
      headers['x-ratelimit-limit-requests'] = String(rpm);
      headers['x-ratelimit-remaining-requests'] = String(Math.max(0, rpm - usedRequests));
      headers['x-ratelimit-reset-requests'] = `${Math.ceil(resetRequestsMs / 1000)}s`;
    }
    if (tpm > 0) {
      headers['x-ratelimit-limit-tokens'] = String(tpm);
      headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tpm - usedTokens));
      headers['x-ratelimit-reset-tokens'] = `${Math.ceil(resetTokensMs / 1000)}s`;
    }
    const requestsFull = rpm > 0 && usedRequests + 1 > rpm;
    const exceeded = admitted === 1 ? undefined : requestsFull ? 'requests' : 'tokens';
    const resetMs = exceeded === 'requests' ? resetRequestsMs : resetTokensMs;
    return {
      admitted: admitted === 1,
      exceeded,
      retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
      headers,
    };
  }

  /** Corrects the tenant's token window once the real usage is known (delta may be negative). */
  async settle(tenant: string, tokenDelta: number, nowMs = Date.now()): Promise<void> {
    if (this.limits.tokensPerMinute <= 0 || tokenDelta === 0) return;
    const key = this.key(tenant, 'tokens');
    try {
      await this.redis
        .multi()
        .hincrby(key, String(Math.floor(nowMs / BUCKET_MS)), tokenDelta)
        .pexpire(key, WINDOW_MS + BUCKET_MS)
        .exec();
    } catch (error) {
      throw redisFailure('rate-limit settle', error);
    }
  }

  private async run(tenant: string, requests: number, tokens: number, nowMs: number): Promise<AdmitReply> {
    try {
      const reply = (await this.redis.eval(
        ADMIT_SCRIPT,
        2,
        this.key(tenant, 'requests'),
        this.key(tenant, 'tokens'),
        nowMs,
        WINDOW_MS,
        BUCKET_MS,
        this.limits.requestsPerMinute,
        this.limits.tokensPerMinute,
        requests,
        Math.max(0, Math.round(tokens)),
      )) as AdmitReply;
      return reply;
    } catch (error) {
      throw redisFailure('rate-limit admit', error);
    }
  }

  private key(tenant: string, limit: 'requests' | 'tokens'): string {
    return this.keys.tenantRateLimit(tenant, limit);
  }
}

/** Tokens a request may use, before it ran: prompt characters / 4 plus its completion allowance. */
export function estimateTokens(messages: readonly { content: string }[], maxTokens: number): number {
  const chars = messages.reduce((sum, m) => sum + m.content.length, 0);
  return Math.ceil(chars / 4) + maxTokens;
}
