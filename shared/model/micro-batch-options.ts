/** Knobs of micro-batching, validated and frozen; defaults next to each field. */
import { z } from 'zod';
import { KpoError } from '../errors/kpo-error.ts';

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
  const parsed = microBatchOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new KpoError('KPO_CONFIG_INVALID', `micro-batch options: ${z.prettifyError(parsed.error)}`, {
      context: { field: 'batching' },
    });
  }
  return Object.freeze(parsed.data);
}
