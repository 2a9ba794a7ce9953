/**
 * Every metric a kpo worker exports, by name. All carry the `kpo_` prefix and
 * a `stage` label (the registry's default label). Names follow Prometheus
 * conventions: base units (`_seconds`, `_bytes`), counters end in `_total`.
 * The dashboard test checks infra/ against METRIC_NAMES, so a rename here
 * fails until the dashboards follow.
 */
export const METRIC_PREFIX = 'kpo_';

export const METRIC = {
  // Runtime (fed by the WorkerInstrumentation hooks and the worker's stats).
  inFlightRecords: 'kpo_in_flight_records',
  runningHandlers: 'kpo_running_handlers',
  queuedRecords: 'kpo_queued_records',
  workerPaused: 'kpo_worker_paused',
  pausedPartitions: 'kpo_paused_partitions',
  consumerLagRecords: 'kpo_consumer_lag_records',
  workerState: 'kpo_worker_state',
  recordsFetched: 'kpo_records_fetched_total',
  queueWaitSeconds: 'kpo_queue_wait_seconds',
  taskDurationSeconds: 'kpo_task_duration_seconds',
  recordsShed: 'kpo_records_shed_total',
  recordsRejected: 'kpo_records_rejected_total',
  retries: 'kpo_retries_total',
  recordsDeadLettered: 'kpo_records_dead_lettered_total',
  outputs: 'kpo_outputs_total',
  offsetCommits: 'kpo_offset_commits_total',
  backpressurePauses: 'kpo_backpressure_pauses_total',
  // Stage-specific figures (explicit handles).
  microBatchSize: 'kpo_micro_batch_size',
  timeToFirstTokenSeconds: 'kpo_time_to_first_token_seconds',
  interTokenLatencySeconds: 'kpo_inter_token_latency_seconds',
  tokens: 'kpo_tokens_total',
  circuitBreakerState: 'kpo_circuit_breaker_state',
  kvHintHits: 'kpo_kv_hint_hits_total',
  kvHintMisses: 'kpo_kv_hint_misses_total',
  routingDecisions: 'kpo_routing_decisions_total',
  kvCachedTokenRatio: 'kpo_kv_cached_token_ratio',
  routingReplicaInFlight: 'kpo_routing_replica_in_flight',
  routingHintStoreFailures: 'kpo_routing_hint_store_failures_total',
  e2eLatencySeconds: 'kpo_e2e_latency_seconds',
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

/** prom-client's default process metrics, registered with the same prefix. */
export const PROCESS_METRIC_NAMES = [
  'kpo_process_cpu_seconds_total',
  'kpo_process_resident_memory_bytes',
  'kpo_process_start_time_seconds',
  'kpo_nodejs_eventloop_lag_seconds',
  'kpo_nodejs_heap_size_used_bytes',
] as const;

/** Names as written in the text exposition (a histogram also shows _bucket, _sum, _count). */
export const METRIC_NAMES: readonly string[] = Object.freeze([
  ...Object.values(METRIC),
  ...PROCESS_METRIC_NAMES,
]);

const HISTOGRAMS: ReadonlySet<string> = new Set([
  METRIC.queueWaitSeconds,
  METRIC.taskDurationSeconds,
  METRIC.microBatchSize,
  METRIC.timeToFirstTokenSeconds,
  METRIC.interTokenLatencySeconds,
  METRIC.e2eLatencySeconds,
  METRIC.kvCachedTokenRatio,
]);

/** The metric a sample or series name belongs to: strips a histogram's _bucket/_sum/_count. */
export function baseMetricName(series: string): string {
  const match = /^(.*)_(bucket|sum|count)$/.exec(series);
  if (match?.[1] && HISTOGRAMS.has(match[1])) return match[1];
  return series;
}
