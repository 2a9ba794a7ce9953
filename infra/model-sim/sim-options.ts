/**
 * Every knob of the simulated model server, its default, and how CLI flags
 * and environment variables (MODEL_SIM_*) map onto it. Defaults resemble an
 * 8B model on one data-center GPU; README.md says where the figures come from.
 */
import { z } from 'zod';

const rate = z.number().min(0).max(1);
const nonNegative = z.number().min(0);

export const faultOptionsSchema = z
  .object({
    /** Share of requests answered 500 with a JSON error body before any token. Default 0. */
    errorRate: rate.default(0),
    /** Share of requests answered 429 with Retry-After. Default 0. */
    rateLimitRate: rate.default(0),
    /** Retry-After seconds on 429s. Default 1. */
    retryAfterSeconds: nonNegative.default(1),
    /** Share of requests that get response headers and then nothing, until the client gives up. Default 0. */
    hangRate: rate.default(0),
    /** Share of streams cut (socket destroyed) half-way through the tokens. Default 0. */
    cutRate: rate.default(0),
  })
  .strict();

export const simOptionsSchema = z
  .object({
    /** TCP port; 0 picks a free one. Default 8001. */
    port: z.number().int().min(0).max(65535).default(8001),
    /** Address to listen on. Default 127.0.0.1 (containers set 0.0.0.0). */
    host: z.string().min(1).default('127.0.0.1'),
    /** Name of this replica in /metrics and /health. Default "sim-<port>". */
    replicaId: z.string().min(1).optional(),
    /** Model name reported in responses and /v1/models. Default "sim-8b". */
    modelName: z.string().min(1).default('sim-8b'),
    /** Fixed part of time to first token, ms (scheduling, sampling of token 1). Default 15. */
    ttftBaseMs: nonNegative.default(15),
    /** Prefill cost per uncached prompt token, ms (0.2 ms = 5,000 tokens/s). Default 0.2. */
    prefillMsPerToken: nonNegative.default(0.2),
    /** Inter-token latency of one running sequence, ms. Default 25. */
    interTokenMs: nonNegative.default(25),
    /** Sequences decoded at once; more wait in FIFO order. Default 64. */
    maxConcurrentSequences: z.number().int().positive().default(64),
    /** Inter-token latency grows by this fraction per extra running sequence. Default 0.01. */
    slowdownPerSequence: nonNegative.default(0.01),
    /** Tokens per prefix-cache block. Default 16. */
    blockSize: z.number().int().positive().default(16),
    /** Prefix-cache capacity in blocks (LRU); 0 turns the cache off. Default 4096. */
    cacheCapacityBlocks: z.number().int().min(0).default(4096),
    /** Static batching: one call (of any number of prompts) runs at a time. Default false. */
    staticBatching: z.boolean().default(false),
    /** Static batching, cost of one decode step for the whole batch: a, ms. Default 22. */
    batchStepBaseMs: nonNegative.default(22),
    /** Static batching, extra cost of one decode step per prompt in the batch: b, ms. Default 3. */
    batchStepPerPromptMs: nonNegative.default(3),
    /** Seed of the fault dice, so a fault run can be repeated. Default 1. */
    faultSeed: z.number().int().default(1),
    faults: faultOptionsSchema.default(faultOptionsSchema.parse({})),
  })
  .strict();

export type SimOptions = z.infer<typeof simOptionsSchema>;
export type FaultOptions = z.infer<typeof faultOptionsSchema>;
export type SimOptionsInput = z.input<typeof simOptionsSchema>;

/** Environment variable of each numeric or boolean knob (faults included). */
export const SIM_ENV: Readonly<Record<string, string>> = {
  port: 'MODEL_SIM_PORT',
  host: 'MODEL_SIM_HOST',
  ttftBaseMs: 'MODEL_SIM_TTFT_BASE_MS',
  prefillMsPerToken: 'MODEL_SIM_PREFILL_MS_PER_TOKEN',
  interTokenMs: 'MODEL_SIM_INTER_TOKEN_MS',
  maxConcurrentSequences: 'MODEL_SIM_MAX_CONCURRENT_SEQUENCES',
  slowdownPerSequence: 'MODEL_SIM_SLOWDOWN_PER_SEQUENCE',
  blockSize: 'MODEL_SIM_BLOCK_SIZE',
  cacheCapacityBlocks: 'MODEL_SIM_CACHE_CAPACITY_BLOCKS',
  staticBatching: 'MODEL_SIM_STATIC_BATCHING',
  batchStepBaseMs: 'MODEL_SIM_BATCH_STEP_BASE_MS',
  batchStepPerPromptMs: 'MODEL_SIM_BATCH_STEP_PER_PROMPT_MS',
  faultSeed: 'MODEL_SIM_FAULT_SEED',
  errorRate: 'MODEL_SIM_ERROR_RATE',
  rateLimitRate: 'MODEL_SIM_RATE_LIMIT_RATE',
  retryAfterSeconds: 'MODEL_SIM_RETRY_AFTER_SECONDS',
  hangRate: 'MODEL_SIM_HANG_RATE',
  cutRate: 'MODEL_SIM_CUT_RATE',
};

const FAULT_KEYS = new Set(Object.keys(faultOptionsSchema.shape));

/**
 * Validated options from flat values (CLI flags win over env, env over
 * defaults). Flat keys are the field names; fault knobs are flat too.
 */
export function compileSimOptions(
  flat: Readonly<Record<string, string | number | boolean | undefined>>,
  env: NodeJS.ProcessEnv = process.env,
): SimOptions {
  const top: Record<string, unknown> = {};
  const faults: Record<string, unknown> = {};
  const keys = new Set([...Object.keys(SIM_ENV), ...Object.keys(flat)]);
  for (const key of keys) {
    const envName = SIM_ENV[key];
    const raw = flat[key] ?? (envName === undefined ? undefined : env[envName]);
    if (raw === undefined) continue;
    const value = coerce(raw);
    (FAULT_KEYS.has(key) ? faults : top)[key] = value;
  }
  return simOptionsSchema.parse({ ...top, faults });
}

function coerce(raw: string | number | boolean): string | number | boolean {
  if (typeof raw !== 'string') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  const number = Number(raw);
  return raw.trim() !== '' && Number.isFinite(number) ? number : raw;
}
