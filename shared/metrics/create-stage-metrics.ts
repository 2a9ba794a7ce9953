/**
 * The one entry point a worker process calls:
 *
 *   const metrics = createStageMetrics('inference');
 *   new StageWorker({ …, instrumentation: combineInstrumentation(metrics.instrumentation, tracing.instrumentation) });
 *   metrics.observeWorker(() => worker.stats());
 *   http.addRoute('/metrics', metricsRoute(metrics.registry));
 *   metrics.figures.observeTimeToFirstToken(0.12, 'llama');
 */
import type { Registry } from 'prom-client';
import type { WorkerInstrumentation } from '../runtime/worker-instrumentation.ts';
import { createMetricsRegistry } from './metrics-registry.ts';
import { RuntimeMetrics, type WorkerGaugeSnapshot } from './runtime-metrics.ts';
import { createStageFigures, type StageFigures } from './stage-figures.ts';

export interface StageMetrics {
  readonly stage: string;
  readonly registry: Registry;
  /** Metrics side of the runtime hooks. */
  readonly instrumentation: WorkerInstrumentation;
  /** Handles for stage-specific figures. */
  readonly figures: StageFigures;
  /** Reads in-flight, running, queued and paused from the worker at every scrape. */
  observeWorker(snapshot: () => WorkerGaugeSnapshot): void;
}

/**
 * Registers every kpo metric on `registry` (default: a new registry with
 * `stage` as default label and process metrics). Call once per registry:
 * prom-client refuses a second metric of the same name.
 */
export function createStageMetrics(stage: string, registry?: Registry): StageMetrics {
  const target = registry ?? createMetricsRegistry(stage);
  const runtime = new RuntimeMetrics(target);
  return {
    stage,
    registry: target,
    instrumentation: runtime.instrumentation,
    figures: createStageFigures(target),
    observeWorker: (snapshot) => runtime.observeWorker(snapshot),
  };
}
