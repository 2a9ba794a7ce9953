/** Scrapes one worker's /metrics and keeps the figures `kpo status` shows. */
import { METRIC } from '../../shared/metrics/metric-names.ts';
import { parseExposition, sampleValue, type Sample } from '../../shared/metrics/exposition-parser.ts';
import type { CumulativeBucket } from './histogram-quantile.ts';

export interface WorkerFigures {
  readonly inFlight: number;
  /** kpo_task_duration_seconds_count{outcome="ok"}: records handled since start. */
  readonly handled: number;
  /** Cumulative task-duration buckets, all outcomes. */
  readonly taskBuckets: readonly CumulativeBucket[];
  readonly atMs: number;
}

export function figuresOf(samples: readonly Sample[], atMs: number): WorkerFigures {
  const byLe = new Map<number, number>();
  for (const sample of samples) {
    if (sample.name !== `${METRIC.taskDurationSeconds}_bucket` || sample.labels.le === undefined) continue;
    const le = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
    byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
  }
  return {
    inFlight: sampleValue(samples, METRIC.inFlightRecords) ?? 0,
    handled: sampleValue(samples, `${METRIC.taskDurationSeconds}_count`, { outcome: 'ok' }) ?? 0,
    taskBuckets: [...byLe].map(([le, count]) => ({ le, count })),
    atMs,
  };
}

export async function scrapeWorker(metricsUrl: string, timeoutMs: number): Promise<WorkerFigures> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`${metricsUrl} answered ${response.status}`);
  return figuresOf(parseExposition(await response.text()), Date.now());
}
