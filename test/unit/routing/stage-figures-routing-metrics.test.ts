import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStageMetrics } from '../../../shared/metrics/create-stage-metrics.ts';
import { stageFiguresRoutingMetrics } from '../../../shared/routing/stage-figures-routing-metrics.ts';

test('routing events reach the stage metrics: decisions, hints, cached-token ratio, replica load, store failures', async () => {
  const metrics = createStageMetrics('inference');
  const routing = stageFiguresRoutingMetrics(metrics.figures);
  routing.routingDecision('session_sticky', 'sim-0');
  routing.hintConfirmed('sim-0', true);
  routing.cachedTokenRatio('sim-0', 0.75);
  routing.replicaLoad('sim-1', 3);
  routing.hintStoreFailure('lookup');
  const text = await metrics.registry.metrics();
  assert.match(
    text,
    /kpo_routing_decisions_total\{[^}]*endpoint="sim-0"[^}]*reason="session_sticky"[^}]*\} 1/,
  );
  assert.match(text, /kpo_kv_hint_hits_total\{[^}]*endpoint="sim-0"[^}]*\} 1/);
  assert.match(text, /kpo_kv_cached_token_ratio_sum\{[^}]*endpoint="sim-0"[^}]*\} 0\.75/);
  assert.match(text, /kpo_routing_replica_in_flight\{[^}]*endpoint="sim-1"[^}]*\} 3/);
  assert.match(text, /kpo_routing_hint_store_failures_total\{[^}]*operation="lookup"[^}]*\} 1/);
});
