/**
 * Knobs of cache-aware routing: the scorer's weights and gates, the hint
 * store's TTLs and memory bound, and the Redis time budget. Options →
 * defaults → compiled (validated, frozen), as everywhere in the project;
 * every default is written next to its field.
 */
import { z } from 'zod';
import { compileOptions } from '../options/compile-options.ts';

const positiveInt = z.number().int().positive();
const nonNegative = z.number().min(0);

export const routingOptionsSchema = z
  .object({
    /** Score lost per in-flight request on a replica, in prefix blocks. Default 1. */
    loadPenaltyBlocks: nonNegative.default(1),
    /** Cached-prefix match (blocks) below which affinity is ignored and the least-loaded replica wins. Default 4. */
    minMatchBlocks: z.number().int().min(0).default(4),
    /**
     * Share of the prompt's blocks a match must also cover to count as affinity (0 = off). Default 0.25: a shared
     * system prompt does not pull new sessions onto one replica, while a follow-up (its whole history matches)
     * stays with its replica even when its new turn is three times the history.
     */
    minMatchShare: z.number().min(0).max(1).default(0.25),
    /** If the best-scoring replica has more than this many in-flight requests over the least loaded, go least-loaded. Default 8. */
    imbalanceThreshold: nonNegative.default(8),
    /** Session hint lifetime, refreshed on every routed request, seconds. Default 1800. */
    sessionTtlSeconds: positiveInt.default(1_800),
    /** A replica's block set expires after this long without a request; older members are ignored, seconds. Default 600. */
    blockTtlSeconds: positiveInt.default(600),
    /** Most block hashes kept per replica (LRU by last use); the memory bound. Default 20000. */
    maxBlocksPerReplica: positiveInt.default(20_000),
    /** A worker's published in-flight count counts this long after its last write, ms. Default 15000. */
    loadFreshMs: positiveInt.default(15_000),
    /** How often a worker re-publishes its non-zero in-flight counts, ms. Default 5000. */
    loadHeartbeatMs: positiveInt.default(5_000),
    /** Budget of one hint lookup (one round trip) before routing falls back, ms. Default 50. */
    lookupTimeoutMs: positiveInt.default(50),
    /** Sessions a worker remembers routing itself, to keep affinity while Redis is unavailable (0 = off). Default 10000. */
    localSessionHints: z.number().int().min(0).default(10_000),
  })
  .strict()
  .superRefine((options, ctx) => {
    if (options.loadHeartbeatMs >= options.loadFreshMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['loadHeartbeatMs'],
        message: `shorter than loadFreshMs (${options.loadFreshMs})`,
      });
    }
  });

export type RoutingOptionsInput = z.input<typeof routingOptionsSchema>;
export type RoutingOptions = Readonly<z.infer<typeof routingOptionsSchema>>;

export function compileRoutingOptions(input: RoutingOptionsInput = {}): RoutingOptions {
  return compileOptions(routingOptionsSchema, input, { path: 'workers.routing' });
}
