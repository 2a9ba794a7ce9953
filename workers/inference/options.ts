/**
 * Options of the inference stage: the `workers.inference` section of the
 * pipeline file. Endpoints themselves are the file's `models:` list; this
 * section says how to call them. Every default is written next to its field.
 */
import { z } from 'zod';
import { compileOptions } from '../../shared/options/compile-options.ts';
import { microBatchOptionsSchema, type MicroBatchOptions } from '../../shared/model/micro-batch-options.ts';
import { modelCallOptionsSchema, type ModelCallOptions } from '../../shared/model/model-call-options.ts';

export const inferenceOptionsSchema = z
  .object({
    /** Output coalescing (after the first token, which is written at once): a chunk is written once this many tokens are waiting. Default 16. */
    flushTokens: z.number().int().positive().default(16),
    /** Output coalescing: …or this long after the first waiting token, ms. Default 50. */
    flushIntervalMs: z.number().int().positive().default(50),
    /**
     * How endpoints are picked when cache-aware routing (`workers.routing`) is off: least-loaded, round-robin or
     * session-hash (a hash of the session ID; the baseline cache-aware routing is measured against). Default least-loaded.
     */
    selector: z.enum(['least-loaded', 'round-robin', 'session-hash']).default('least-loaded'),
    /** OpenAI-compatible endpoints: call chat or completions. Default chat. */
    api: z.enum(['chat', 'completions']).default('chat'),
    /** Names of endpoints that take an array of prompts on /v1/completions (vLLM, the simulator). Default []. */
    batchEndpoints: z.array(z.string().min(1)).default([]),
    /** Micro-batching; off unless enabled. Batch-capable endpoints get one call per batch. */
    batching: microBatchOptionsSchema
      .extend({ enabled: z.boolean().default(false) })
      .strict()
      .default({
        enabled: false,
        maxBatchSize: 8,
        maxWaitMs: 10,
        maxBatchTokens: 32_768,
      }),
    /** Timeouts, retries, breaker and bulkhead of every endpoint (shared/model/model-call-options.ts). */
    calls: modelCallOptionsSchema.default(modelCallOptionsSchema.parse({})),
    /** Cancels remembered for requests not (yet) running here, so a cancel that overtakes its prompt still wins. Default 10000. */
    rememberedCancels: z.number().int().positive().default(10_000),
    /** How long such a cancel is remembered, ms. Default 600000 (10 min). */
    rememberCancelMs: z.number().int().positive().default(600_000),
    /**
     * Resumptions of one answer at most, when its endpoints can continue a partial answer (a broken model
     * stream, or its worker died or lost the partition mid-answer). 0 = never resume. Default 3.
     */
    maxResumes: z.number().int().nonnegative().default(3),
  })
  .strict();

export type InferenceOptionsInput = z.input<typeof inferenceOptionsSchema>;

export interface InferenceOptions extends Omit<z.infer<typeof inferenceOptionsSchema>, 'calls' | 'batching'> {
  readonly calls: ModelCallOptions;
  readonly batching: MicroBatchOptions & { readonly enabled: boolean };
}

/** Validates `workers.inference` (absent = all defaults) and freezes it. */
export function parseInferenceOptions(section: unknown): Readonly<InferenceOptions> {
  return compileOptions(inferenceOptionsSchema, section, { path: 'workers.inference', stage: 'inference' });
}
