/** Knobs of micro-batching, validated and frozen; defaults next to each field. */
import { z } from 'zod';
import { compileOptions } from '../options/compile-options.ts';

export const microBatchOptionsSchema = z
  .object({
    /** Requests per batch; 1 turns batching off. Default 8. */
    maxBatchSize: z.number().int().positive().default(8),
    /** Longest a request waits for its batch to fill, ms (Ray Serve's batch_wait_timeout_s is 10 ms). Default 10. */
    maxWaitMs: z.number().min(0).default(10),
    /** Prompt + max new tokens of all requests in one batch (TGI max_batch_total_tokens). Default 32768. */
    maxBatchTokens: z.number().int().positive().default(32_768),
  })
  .strict();

export type MicroBatchOptionsInput = z.input<typeof microBatchOptionsSchema>;
export type MicroBatchOptions = Readonly<z.infer<typeof microBatchOptionsSchema>>;

export function compileMicroBatchOptions(input: MicroBatchOptionsInput = {}): MicroBatchOptions {
  return compileOptions(microBatchOptionsSchema, input, { path: 'workers.inference.batching' });
}
