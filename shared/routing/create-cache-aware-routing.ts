/**
 * Everything cache-aware routing needs in an inference worker, built in one
 * call: the routing Redis connection, the hint store, the selector, metrics.
 * Plug the selector into the inference stage's endpoint pool; the pool calls
 * its prepare/select/finished hooks, and each request carries its session and
 * prefix hashes (GenerationRequest.routing):
 *
 *   const routing = createCacheAwareRouting({ redisUrl, keys, options: config.routing, figures });
 *   createInferenceStage(config, inferenceOptions, { selector: routing.selector });
 *   …
 *   await routing.close();
 */
import type { StageFigures } from '../metrics/stage-figures.ts';
import { createRedisConnection, NEVER_WAIT } from '../redis/redis-connection.ts';
import type { RedisKeyNamespace } from '../redis/redis-key-namespace.ts';
import type { RedisSecurity } from '../redis/redis-security.ts';
import { CacheAwareSelector } from './cache-aware-selector.ts';
import { RedisRoutingHintStore } from './redis-routing-hint-store.ts';
import { fanOutRoutingMetrics, RoutingCounters, type RoutingMetrics } from './routing-metrics.ts';
import { compileRoutingOptions, type RoutingOptionsInput } from './routing-options.ts';
import { stageFiguresRoutingMetrics } from './stage-figures-routing-metrics.ts';

export interface CacheAwareRoutingSetup {
  readonly redisUrl: string;
  /** AUTH and TLS of the pipeline's Redis. Default: none. */
  readonly redisSecurity?: RedisSecurity;
  /** The pipeline's key namespace (`redisKeyPrefix`); hints go under `<prefix>:kv:`. */
  readonly keys: RedisKeyNamespace;
  readonly options?: RoutingOptionsInput;
  /** The stage's metric handles; routing decisions and hint confirmations go there. */
  readonly figures?: StageFigures;
  readonly workerId?: string;
}

export interface CacheAwareRouting {
  readonly selector: CacheAwareSelector;
  /** Counts of every routing event (fallbacks included), readable at any time. */
  readonly counters: RoutingCounters;
  close(): Promise<void>;
}

export function createCacheAwareRouting(setup: CacheAwareRoutingSetup): CacheAwareRouting {
  const options = compileRoutingOptions(setup.options ?? {});
  // Routing must never make a request wait: its own connection, without offline queue or retries.
  const redis = createRedisConnection({
    url: setup.redisUrl,
    ...(setup.redisSecurity === undefined ? {} : { security: setup.redisSecurity }),
    ...NEVER_WAIT,
  });
  const store = new RedisRoutingHintStore(redis, setup.keys, options);
  const counters = new RoutingCounters();
  const sinks: RoutingMetrics[] = [counters];
  if (setup.figures !== undefined) sinks.push(stageFiguresRoutingMetrics(setup.figures));
  const selector = new CacheAwareSelector(store, options, fanOutRoutingMetrics(...sinks), setup.workerId);
  return {
    selector,
    counters,
    close: async () => {
      selector.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
