/**
 * Connects routing's events to the stage's metric handles (shared/metrics):
 * decisions → kpo_routing_decisions_total{endpoint,reason}, hints the server
 * confirmed or not → kpo_kv_hint_hits_total / kpo_kv_hint_misses_total.
 * The figures have no handle yet for the cached-token ratio, per-replica
 * load or store failures; wrap this with fanOutRoutingMetrics and a
 * RoutingCounters to read those.
 */
import type { StageFigures } from '../metrics/stage-figures.ts';
import { NO_ROUTING_METRICS, type RoutingMetrics } from './routing-metrics.ts';

export function stageFiguresRoutingMetrics(figures: StageFigures): RoutingMetrics {
  return {
    ...NO_ROUTING_METRICS,
    routingDecision: (reason, replica) => figures.recordRoutingDecision(replica, reason),
    hintConfirmed: (replica, confirmed) => figures.recordKvHint(replica, confirmed),
  };
}
