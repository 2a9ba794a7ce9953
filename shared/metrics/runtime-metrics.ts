/**
 * The metrics side of WorkerInstrumentation: every runtime hook turned into a
 * prom-client series on one registry. Gauges the hooks only see change
 * upwards (in-flight grows on fetch, shrinks silently on release) are read
 * from the worker itself at scrape time once observeWorker() is called.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { WorkerInstrumentation } from '../runtime/worker-instrumentation.ts';
import { DURATION_BUCKETS_SECONDS } from './histogram-buckets.ts';
import { METRIC } from './metric-names.ts';

/** What a scrape reads from a running worker (StageWorker.stats() has these fields). */
export interface WorkerGaugeSnapshot {
  readonly inFlight: number;
  readonly running: number;
  readonly queued: number;
  readonly paused: boolean;
}

export const WORKER_STATES = ['initialized', 'starting', 'running', 'draining', 'stopped', 'failed'] as const;

export class RuntimeMetrics {
  readonly instrumentation: WorkerInstrumentation;
  private snapshot: (() => WorkerGaugeSnapshot) | undefined;
  private readonly inFlight: Gauge;
  private readonly running: Gauge;
  private readonly queued: Gauge;
  private readonly paused: Gauge;

  constructor(registry: Registry) {
    const registers = [registry];
    const read = (): WorkerGaugeSnapshot | undefined => {
      try {
        return this.snapshot?.();
      } catch {
        return undefined;
      }
    };
    this.inFlight = new Gauge({
      name: METRIC.inFlightRecords,
      help: 'Records taken from Kafka and not yet released for commit (the queue depth queueDepth bounds).',
      registers,
      collect() {
        const s = read();
        if (s) this.set(s.inFlight);
      },
    });
    this.running = new Gauge({
      name: METRIC.runningHandlers,
      help: 'Handlers running right now.',
      registers,
      collect() {
        const s = read();
        if (s) this.set(s.running);
      },
    });
    this.queued = new Gauge({
      name: METRIC.queuedRecords,
      help: 'Records waiting in the per-session scheduler for a handler slot.',
      registers,
      collect() {
        const s = read();
        if (s) this.set(s.queued);
      },
    });
    this.paused = new Gauge({
      name: METRIC.workerPaused,
      help: '1 while backpressure has paused fetching (the backlog then waits in Kafka: see kpo_consumer_lag_records).',
      registers,
      collect() {
        const s = read();
        if (s) this.set(s.paused ? 1 : 0);
      },
    });
    const pausedPartitions = new Gauge({
      name: METRIC.pausedPartitions,
      help: 'Partitions paused by backpressure.',
      registers,
    });
    const lag = new Gauge({
      name: METRIC.consumerLagRecords,
      help: 'Consumer lag per partition: high watermark minus the next offset to take.',
      labelNames: ['topic', 'partition'],
      registers,
    });
    const state = new Gauge({
      name: METRIC.workerState,
      help: 'Worker lifecycle state: 1 for the current state, 0 for the others.',
      labelNames: ['state'],
      registers,
    });
    for (const name of WORKER_STATES) state.set({ state: name }, name === 'initialized' ? 1 : 0);
    const fetched = new Counter({
      name: METRIC.recordsFetched,
      help: 'Records taken from Kafka.',
      registers,
    });
    const queueWait = new Histogram({
      name: METRIC.queueWaitSeconds,
      help: 'Enqueue→dequeue latency: record timestamp to the start of its first handler attempt.',
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    const taskDuration = new Histogram({
      name: METRIC.taskDurationSeconds,
      help: 'Duration of one handler attempt, by outcome (ok, retry, failed).',
      labelNames: ['outcome'],
      buckets: [...DURATION_BUCKETS_SECONDS],
      registers,
    });
    const shed = new Counter({
      name: METRIC.recordsShed,
      help: 'Records dropped unhandled, by reason (deadline, max_age).',
      labelNames: ['reason'],
      registers,
    });
    const rejected = new Counter({
      name: METRIC.recordsRejected,
      help: 'Records refused by admission, by reason (backlog).',
      labelNames: ['reason'],
      registers,
    });
    const retries = new Counter({
      name: METRIC.retries,
      help: 'Retries scheduled, by the error code of the failed attempt.',
      labelNames: ['code'],
      registers,
    });
    const deadLettered = new Counter({
      name: METRIC.recordsDeadLettered,
      help: 'Records written to the dead-letter topic, by error code.',
      labelNames: ['code'],
      registers,
    });
    const outputs = new Counter({
      name: METRIC.outputs,
      help: 'Records produced by handlers, by topic.',
      labelNames: ['topic'],
      registers,
    });
    const commits = new Counter({
      name: METRIC.offsetCommits,
      help: 'Partition offsets committed.',
      registers,
    });
    const pauses = new Counter({
      name: METRIC.backpressurePauses,
      help: 'Times backpressure paused fetching.',
      registers,
    });
    // Series with labels appear at the first observation; zero them so rates exist from the start.
    taskDuration.zero({ outcome: 'ok' });
    shed.labels({ reason: 'deadline' }).inc(0);
    shed.labels({ reason: 'max_age' }).inc(0);
    rejected.labels({ reason: 'backlog' }).inc(0);

    this.instrumentation = {
      onFetched: (_source, inFlight) => {
        fetched.inc();
        this.inFlight.set(inFlight);
      },
      onHandlerStart: (source, attempt) => {
        if (attempt === 1) queueWait.observe(Math.max(0, Date.now() - source.timestampMs) / 1000);
      },
      onHandlerEnd: (_source, outcome, durationMs) => taskDuration.observe({ outcome }, durationMs / 1000),
      onRetry: (_source, _attempt, _delayMs, error) => retries.inc({ code: error.code }),
      onDeadLettered: (_source, error) => deadLettered.inc({ code: error.code }),
      onShed: (_source, reason) => shed.inc({ reason }),
      onRejected: (_source, reason) => rejected.inc({ reason }),
      onPaused: (partitions, inFlight) => {
        pauses.inc();
        pausedPartitions.set(partitions.length);
        this.paused.set(1);
        this.inFlight.set(inFlight);
      },
      onResumed: (_partitions, inFlight) => {
        pausedPartitions.set(0);
        this.paused.set(0);
        this.inFlight.set(inFlight);
      },
      onCommitted: () => commits.inc(),
      onOutput: (topic) => outputs.inc({ topic }),
      onLag: (partition, records) =>
        lag.set({ topic: partition.topic, partition: String(partition.partition) }, records),
      onStateChange: (current) => {
        for (const name of WORKER_STATES) state.set({ state: name }, name === current ? 1 : 0);
      },
    };
  }

  /** Reads in-flight, running, queued and paused from the worker at every scrape (e.g. () => worker.stats()). */
  observeWorker(snapshot: () => WorkerGaugeSnapshot): void {
    this.snapshot = snapshot;
  }
}
