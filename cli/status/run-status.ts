/**
 * `kpo status` without the terminal: per stage, the consumer group's members
 * and lag from the brokers, and in-flight, throughput and p99 task duration
 * from the /metrics of the stage's registered workers (two scrapes sampleMs
 * apart; throughput is the difference). Never throws for one stage's trouble:
 * what could not be learned is null and the reason is in errors.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { graphNodes } from '../../shared/pipeline/pipeline-graph.ts';
import type { AdminPort } from '../../shared/kafka/kafka-port.ts';
import { listWorkerEndpoints, type WorkerEndpoint } from '../../shared/metrics/worker-endpoint-registry.ts';
import { stageTopics } from '../../shared/pipeline/pipeline-topics.ts';
import type { GroupDescriber, GroupDescription } from './group-describer.ts';
import { histogramQuantile, type CumulativeBucket } from './histogram-quantile.ts';
import type { StageStatus, StatusReport, WorkerStatus } from './status-report.ts';
import { consumerGroupLag } from '../../shared/kafka/consumer-group-lag.ts';
import { scrapeWorker, type WorkerFigures } from './worker-scrape.ts';

export interface StageTarget {
  readonly stage: string;
  readonly groupId: string;
  readonly inputTopic: string;
}

export interface StatusOptions {
  readonly stages: readonly StageTarget[];
  /** Watermarks and committed offsets. Connected and closed by the caller. */
  readonly admin: AdminPort;
  /** Group members. Connected and closed by the caller. */
  readonly groups: GroupDescriber;
  /** Where workers registered their /metrics. Default <KPO_HOME>/workers. */
  readonly workersDir?: string;
  /** Throughput window between two scrapes. Default 1000 ms. */
  readonly sampleMs?: number;
  /** Per-scrape timeout. Default 2000 ms. */
  readonly scrapeTimeoutMs?: number;
}

export function stageTargetsOf(config: PipelineConfig): StageTarget[] {
  return graphNodes(config).map(({ name: stage }) => ({
    stage,
    groupId: `${config.groupPrefix}-${stage}`,
    inputTopic: stageTopics(config, stage).input,
  }));
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function sumBuckets(figures: readonly WorkerFigures[]): CumulativeBucket[] {
  const byLe = new Map<number, number>();
  for (const f of figures) for (const b of f.taskBuckets) byLe.set(b.le, (byLe.get(b.le) ?? 0) + b.count);
  return [...byLe].map(([le, count]) => ({ le, count }));
}

async function scrapeAll(
  endpoints: readonly WorkerEndpoint[],
  timeoutMs: number,
): Promise<(WorkerFigures | Error)[]> {
  return Promise.all(
    endpoints.map((e) =>
      scrapeWorker(e.metricsUrl, timeoutMs).catch(
        (error: unknown) => new Error(`${e.metricsUrl}: ${message(error)}`),
      ),
    ),
  );
}

export async function runStatus(options: StatusOptions): Promise<StatusReport> {
  const sampleMs = options.sampleMs ?? 1_000;
  const timeoutMs = options.scrapeTimeoutMs ?? 2_000;
  const endpoints = listWorkerEndpoints(options.workersDir);
  const groupIds = options.stages.map((s) => s.groupId);
  const [groups, lags, first] = await Promise.all([
    options.groups.describeGroups(groupIds).catch((error: unknown) => new Error(message(error))),
    Promise.all(
      options.stages.map((s) =>
        consumerGroupLag(options.admin, s.groupId, s.inputTopic).catch(
          (error: unknown) => new Error(message(error)),
        ),
      ),
    ),
    scrapeAll(endpoints, timeoutMs),
  ]);
  await sleep(sampleMs);
  const second = await scrapeAll(endpoints, timeoutMs);

  const stages = options.stages.map((target, index): StageStatus => {
    const errors: string[] = [];
    let group: GroupDescription | undefined;
    if (groups instanceof Error) errors.push(`describe groups: ${groups.message}`);
    else group = groups.find((g) => g.groupId === target.groupId);
    const lag = lags[index];
    if (lag instanceof Error) errors.push(`lag: ${lag.message}`);
    const workers: WorkerStatus[] = [];
    const before: WorkerFigures[] = [];
    const after: WorkerFigures[] = [];
    endpoints.forEach((endpoint, i) => {
      if (endpoint.stage !== target.stage) return;
      const a = first[i];
      const b = second[i];
      const up = !(b instanceof Error) && b !== undefined;
      workers.push({ pid: endpoint.pid, metricsUrl: endpoint.metricsUrl, up });
      if (b instanceof Error) errors.push(b.message);
      if (up) after.push(b);
      if (up && a && !(a instanceof Error)) before.push(a);
    });
    const reachable = after.length > 0;
    let throughput: number | null = null;
    if (reachable && before.length === after.length) {
      const handled = (list: readonly WorkerFigures[]): number => list.reduce((s, f) => s + f.handled, 0);
      const seconds = (Math.max(...after.map((f) => f.atMs)) - Math.min(...before.map((f) => f.atMs))) / 1000;
      throughput = seconds > 0 ? Math.max(0, handled(after) - handled(before)) / seconds : null;
    }
    return {
      stage: target.stage,
      groupId: target.groupId,
      inputTopic: target.inputTopic,
      consumers: groups instanceof Error ? null : (group?.members ?? 0),
      groupState: groups instanceof Error ? null : (group?.state ?? null),
      lag: lag instanceof Error || lag === undefined ? null : lag.lag,
      partitions: lag instanceof Error || lag === undefined ? [] : lag.partitions,
      workers,
      inFlight: reachable ? after.reduce((s, f) => s + f.inFlight, 0) : null,
      throughputPerSecond: throughput,
      p99TaskSeconds: reachable ? histogramQuantile(0.99, sumBuckets(after)) : null,
      errors,
    };
  });
  return { generatedAt: new Date().toISOString(), sampleMs, stages };
}
