/**
 * One prom-client Registry per worker process, with `stage` as a default
 * label on every series and prom-client's process metrics under the same
 * `kpo_` prefix. Never the global registry: tests build several in one process.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRIC_PREFIX } from './metric-names.ts';

export interface MetricsRegistryOptions {
  /** Also export process metrics (CPU, memory, event-loop lag). Default true. */
  readonly processMetrics?: boolean;
}

export function createMetricsRegistry(stage: string, options: MetricsRegistryOptions = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ stage });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
