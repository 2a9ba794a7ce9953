/**
 * The routing policies the benchmark compares, each as a PolicyStream over
 * its own EndpointPool(s) of the same replicas: round_robin, least_loaded,
 * session_hash (shared/model and shared/routing baselines), hints (the
 * cache-aware selector on real Redis) and hints_scale_out (a second worker
 * with its own selector joins mid-run and takes over half of the sessions).
 */
import type { Redis } from 'ioredis';
import { EndpointPool } from '../../shared/model/endpoint-pool.ts';
import {
  LeastLoadedSelector,
  RoundRobinSelector,
  type EndpointSelector,
} from '../../shared/model/endpoint-selector.ts';
import { LlamaCppClient } from '../../shared/model/llamacpp-client.ts';
import { compileModelCallOptions } from '../../shared/model/model-call-options.ts';
import type { ModelClient } from '../../shared/model/model-client.ts';
import { OpenAiCompatibleClient } from '../../shared/model/openai-client.ts';
import { ResilientEndpoint } from '../../shared/model/resilient-endpoint.ts';
import { CacheAwareSelector } from '../../shared/routing/cache-aware-selector.ts';
import { RedisRoutingHintStore } from '../../shared/routing/redis-routing-hint-store.ts';
import type { RoutingHintStore } from '../../shared/routing/routing-hint-store.ts';
import type { RedisKeyNamespace } from '../../shared/redis/redis-key-namespace.ts';
import { RoutingCounters } from '../../shared/routing/routing-metrics.ts';
import type { RoutingOptions } from '../../shared/routing/routing-options.ts';
import { SessionHashSelector } from '../../shared/routing/session-hash-selector.ts';
import type { PolicyStream } from './policy-run.ts';
import type { SimReplica } from './sim-replicas.ts';

export const POLICY_NAMES = [
  'round_robin',
  'least_loaded',
  'session_hash',
  'hints',
  'hints_scale_out',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export interface PolicyContext {
  readonly replicas: readonly SimReplica[];
  readonly api: 'openai' | 'llamacpp';
  readonly redis: Redis;
  readonly keys: RedisKeyNamespace;
  readonly routing: RoutingOptions;
}

export interface BuiltPolicy {
  readonly stream: PolicyStream;
  /** Routing counters per worker (hints policies only). */
  readonly counters: ReadonlyMap<string, RoutingCounters>;
  /** Hint lookup round trips, ms (hints policies only). */
  readonly lookupMs: number[];
  close(): void;
}

const callOptions = compileModelCallOptions({ ttftTimeoutMs: 30_000, totalTimeoutMs: 60_000 });

function clientFor(replica: SimReplica, api: PolicyContext['api']): ModelClient {
  return api === 'llamacpp'
    ? new LlamaCppClient({ name: replica.name, baseUrl: replica.url })
    : new OpenAiCompatibleClient({ name: replica.name, baseUrl: replica.url, api: 'chat' });
}

function poolOf(context: PolicyContext, selector: EndpointSelector): EndpointPool {
  const endpoints = context.replicas.map(
    // Bulkhead as large as the simulator's sequence limit: the policy, not the bulkhead, spreads load.
    (replica) =>
      new ResilientEndpoint(clientFor(replica, context.api), { maxConcurrent: 64, models: [] }, callOptions),
  );
  return new EndpointPool(endpoints, selector, callOptions);
}

function timedStore(store: RoutingHintStore, lookupMs: number[]): RoutingHintStore {
  return {
    lookup: async (query) => {
      const started = performance.now();
      try {
        return await store.lookup(query);
      } finally {
        lookupMs.push(performance.now() - started);
      }
    },
    recordRouted: (record) => store.recordRouted(record),
    recordFinished: (record) => store.recordFinished(record),
    publishLoad: (workerId, counts) => store.publishLoad(workerId, counts),
  };
}

function baseline(context: PolicyContext, selector: EndpointSelector): BuiltPolicy {
  const pool = poolOf(context, selector);
  return {
    stream: (request) => pool.stream(request, new AbortController().signal),
    counters: new Map(),
    lookupMs: [],
    close: () => undefined,
  };
}

export function buildPolicy(name: PolicyName, context: PolicyContext): BuiltPolicy {
  switch (name) {
    case 'round_robin':
      return baseline(context, new RoundRobinSelector());
    case 'least_loaded':
      return baseline(context, new LeastLoadedSelector());
    case 'session_hash':
      return baseline(context, new SessionHashSelector());
    case 'hints':
    case 'hints_scale_out': {
      const lookupMs: number[] = [];
      const store = timedStore(
        new RedisRoutingHintStore(context.redis, context.keys, context.routing),
        lookupMs,
      );
      const workers = (name === 'hints' ? ['worker-a'] : ['worker-a', 'worker-b']).map((workerId) => {
        const counters = new RoutingCounters();
        const selector = new CacheAwareSelector(store, context.routing, counters, workerId);
        return { workerId, counters, selector, pool: poolOf(context, selector) };
      });
      const [first, second] = workers;
      return {
        stream: (request, session, progress) => {
          // Scale-out: once half the requests are done, worker B takes over every odd session.
          const moved =
            second !== undefined && session.index % 2 === 1 && progress.completed >= progress.total / 2;
          const worker = moved ? second : first!;
          return worker.pool.stream(request, new AbortController().signal);
        },
        counters: new Map(workers.map((w) => [w.workerId, w.counters])),
        lookupMs,
        close: () => workers.forEach((w) => w.selector.close()),
      };
    }
  }
}
