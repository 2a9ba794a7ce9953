/**
 * Connects routing's events to the stage's metric handles (shared/metrics):
 * decisions → kpo_routing_decisions_total{endpoint,reason}, hints the server
 * confirmed or not → kpo_kv_hint_hits_total / kpo_kv_hint_misses_total.
 * cached-token ratio → kpo_kv_cached_token_ratio{endpoint}, per-replica load →
 * kpo_routing_replica_in_flight{endpoint}, store failures →
 * kpo_routing_hint_store_failures_total{operation}.
 */
import type { StageFigures } from '../metrics/stage-figures.ts';
import { NO_ROUTING_METRICS, type RoutingMetrics } from './routing-metrics.ts';

export function stageFiguresRoutingMetrics(figures: StageFigures): RoutingMetrics {
  return {
    ...NO_ROUTING_METRICS,
    routingDecision: (reason, replica) => figures.recordRoutingDecision(replica, reason),
    hintConfirmed: (replica, confirmed) => figures.recordKvHint(replica, confirmed),
    cachedTokenRatio: (replica, ratio) => figures.observeCachedTokenRatio(replica, ratio),
    replicaLoad: (replica, inFlight) => figures.setReplicaInFlight(replica, inFlight),
    hintStoreFailure: (operation) => figures.recordHintStoreFailure(operation),
  };
}
