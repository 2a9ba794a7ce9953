/**
 * Knobs of calling model endpoints: timeouts, retries, the circuit breaker
 * and the bulkhead. Options → defaults → compiled (validated, frozen), as
 * everywhere in the project; every default is written next to its field.
 */
import { z } from 'zod';
import { compileOptions } from '../options/compile-options.ts';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().min(0);

export const modelCallOptionsSchema = z
  .object({
    /** Time to first token: from the start of an attempt to its first token, ms. Default 10000. */
    ttftTimeoutMs: positiveInt.default(10_000),
    /** Whole generation of one attempt, ms. Default 120000. */
    totalTimeoutMs: positiveInt.default(120_000),
    /** Attempts per request, the first included; retries happen only before the first token. Default 3. */
    maxAttempts: positiveInt.default(3),
    /** First retry delay, ms; doubles each retry, full jitter (shared/timers/exponential-backoff.ts). Default 100. */
    retryInitialDelayMs: nonNegativeInt.default(100),
    /** Cap on a retry delay, ms. Default 2000. */
    retryMaxDelayMs: nonNegativeInt.default(2_000),
    /** Cap on a server's Retry-After, ms: a longer ask is waited this long. Default 5000. */
    retryAfterCapMs: nonNegativeInt.default(5_000),
    breaker: z
      .object({
        /** consecutive: open after N failures in a row; rate: open when the failure share of a window passes a threshold. Default consecutive. */
        kind: z.enum(['consecutive', 'rate']).default('consecutive'),
        /** consecutive: failures in a row that open the circuit. Default 5. */
        consecutiveFailures: positiveInt.default(5),
        /** rate: failure share (0..1) that opens the circuit. Default 0.5. */
        failureRate: z.number().gt(0).max(1).default(0.5),
        /** rate: calls in the sliding window. Default 20. */
        windowSize: positiveInt.default(20),
        /** rate: calls needed in the window before it can open. Default 10. */
        minimumCalls: positiveInt.default(10),
        /** Open → half-open (one probe call) after this long, ms. Default 5000. */
        halfOpenAfterMs: positiveInt.default(5_000),
      })
      .strict()
      .default({
        kind: 'consecutive',
        consecutiveFailures: 5,
        failureRate: 0.5,
        windowSize: 20,
        minimumCalls: 10,
        halfOpenAfterMs: 5_000,
      }),
    /** Calls that may wait for a bulkhead slot per endpoint; beyond it a call fails over at once. Default 0. */
    bulkheadQueue: nonNegativeInt.default(0),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.ttftTimeoutMs > options.totalTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['ttftTimeoutMs'],
        message: `at most totalTimeoutMs (${options.totalTimeoutMs})`,
      });
    }
    if (options.breaker.minimumCalls > options.breaker.windowSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['breaker', 'minimumCalls'],
        message: `at most breaker.windowSize (${options.breaker.windowSize})`,
      });
    }
  });

export type ModelCallOptionsInput = z.input<typeof modelCallOptionsSchema>;
export type ModelCallOptions = Readonly<z.infer<typeof modelCallOptionsSchema>>;

/** Validated, with defaults, frozen (shared/options/compile-options.ts). */
export function compileModelCallOptions(input: ModelCallOptionsInput = {}): ModelCallOptions {
  return compileOptions(modelCallOptionsSchema, input, { path: 'workers.inference.calls' });
}
