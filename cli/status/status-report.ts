/** What `kpo status` reports, per stage. `null` = could not be learned (the reason is in errors). */
import type { PartitionLag } from '../../shared/kafka/consumer-group-lag.ts';

export interface WorkerStatus {
  readonly pid: number;
  readonly metricsUrl: string;
  readonly up: boolean;
}

export interface StageStatus {
  readonly stage: string;
  readonly groupId: string;
  readonly inputTopic: string;
  /** Members of the consumer group (from the brokers). */
  readonly consumers: number | null;
  /** Group state as the coordinator reports it (Stable, Empty, PreparingRebalance, Dead…). */
  readonly groupState: string | null;
  /** Records in the input topic the group has not committed past (from the brokers). */
  readonly lag: number | null;
  readonly partitions: readonly PartitionLag[];
  /** Registered workers and whether their /metrics answered. */
  readonly workers: readonly WorkerStatus[];
  /** Sum of kpo_in_flight_records over the stage's reachable workers. */
  readonly inFlight: number | null;
  /** Records handled (outcome ok) per second over the sampling window. */
  readonly throughputPerSecond: number | null;
  /** p99 of kpo_task_duration_seconds over the workers' lifetime (buckets summed across workers). */
  readonly p99TaskSeconds: number | null;
  readonly errors: readonly string[];
}

export interface StatusReport {
  /** ISO time the report was made. */
  readonly generatedAt: string;
  /** Length of the throughput sampling window. */
  readonly sampleMs: number;
  readonly stages: readonly StageStatus[];
}
