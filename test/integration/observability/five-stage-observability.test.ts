/**
 * Issue 8's "done when", on real services: five worker processes (one per
 * stage name) pass records along real Kafka topics, instrumented like
 * `kpo worker`. Checks: one trace per request across the five processes with
 * parent/child order rag → assemble → infer → post → stream (collected by a
 * test OTLP receiver); every metric the dashboards use is exported by a real
 * /metrics scrape; a real Prometheus scraping the workers answers
 * histogram_quantile(0.99, …) with a number for every stage; runStatus (kpo
 * status --json) lists all five stages with their figures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkajsGroupDescriber } from '../../../cli/status/group-describer.ts';
import { runStatus } from '../../../cli/status/run-status.ts';
import type { StatusReport } from '../../../cli/status/status-report.ts';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import type { AdminPort, KafkaClientPort, ProducerPort } from '../../../shared/kafka/kafka-port.ts';
import { KafkajsClient } from '../../../shared/kafka/kafkajs/kafkajs-client.ts';
import { infraMetricNames } from '../../../shared/metrics/dashboard-expressions.ts';
import { declaredMetricNames } from '../../../shared/metrics/exposition-parser.ts';
import { METRIC_NAMES } from '../../../shared/metrics/metric-names.ts';
import { listWorkerEndpoints } from '../../../shared/metrics/worker-endpoint-registry.ts';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../fixtures/otlp/otlp-trace-receiver.ts';
import type { TestInput } from '../../fixtures/runtime/test-records.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { startPrometheus } from './prometheus-process.ts';
import { startStageProcesses, type StageProcess, type StageProcessSpec } from './stage-process-group.ts';

const STAGES = ['rag', 'assemble', 'inference', 'post', 'stream'] as const;
const SPAN_ORDER = ['rag', 'assemble', 'infer', 'post', 'stream'];
const REQUESTS = 6;
const PARTITIONS = 2;

let kafka: KafkaClientPort;
let admin: AdminPort;
let producer: ProducerPort;
let receiver: OtlpTraceReceiver;
let workersDir: string;
let specs: StageProcessSpec[];
let topics: string[];
let workers: { readonly processes: readonly StageProcess[]; stop(): Promise<void> } | undefined;
let sent = 0;
let groupPrefix: string;

async function send(count: number, prefix: string): Promise<void> {
  const records = Array.from({ length: count }, (_, i) => {
    const input: TestInput = {
      session: `${prefix}-s${i % 3}`,
      n: sent + i,
      requestId: `${prefix}-r${sent + i}`,
    };
    return { topic: topics[0]!, key: input.session, value: Buffer.from(JSON.stringify(input)) };
  });
  sent += count;
  await producer.send(records);
}

before(async () => {
  const endpoints = serviceEndpoints();
  kafka = new KafkajsClient({ brokers: endpoints.kafkaBrokers, logLevel: 'nothing' });
  admin = kafka.createAdmin();
  await admin.connect();
  const base = uniqueName('obs');
  groupPrefix = base;
  topics = Array.from({ length: STAGES.length + 1 }, (_, i) => `${base}.hop${i}`);
  await admin.createTopics(
    [...topics, ...topics.slice(0, STAGES.length).map((t) => `${t}.dlq`)].map((topic) => ({
      topic,
      partitions: PARTITIONS,
    })),
  );
  specs = STAGES.map((stage, i) => ({
    stage,
    input: topics[i]!,
    output: topics[i + 1]!,
    group: `${base}-${stage}`,
  }));
  receiver = new OtlpTraceReceiver();
  const otlp = await receiver.start();
  workersDir = mkdtempSync(join(tmpdir(), 'kpo-obs-workers-'));
  workers = await startStageProcesses(specs, {
    KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
    KPO_WORKERS_DIR: workersDir,
    LOG_LEVEL: 'info',
  });
  producer = kafka.createProducer();
  await producer.connect();
  await send(REQUESTS, 'trace');
});

after(async () => {
  await workers?.stop();
  await producer?.close().catch(() => undefined);
  if (admin) {
    await admin
      .deleteTopics([...topics, ...topics.slice(0, STAGES.length).map((t) => `${t}.dlq`)])
      .catch(() => undefined);
    await admin.deleteGroups(specs.map((s) => s.group)).catch(() => undefined);
    await admin.close();
  }
  await receiver?.close();
  if (workersDir) rmSync(workersDir, { recursive: true, force: true });
});

test('each request is one trace across the five worker processes: rag → assemble → infer → post → stream', async () => {
  const traces = await waitFor(
    () => {
      const byTrace = new Map<string, ReceivedSpan[]>();
      for (const span of receiver.spans) {
        if (
          !String(span.attributes['messaging.destination.name']).startsWith(topics[0]!.replace(/hop0$/, ''))
        )
          continue;
        byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
      }
      const complete = [...byTrace.values()].filter((spans) => spans.length >= SPAN_ORDER.length);
      return complete.length >= REQUESTS ? complete : undefined;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `${REQUESTS} complete traces (have ${receiver.spans.length} spans)`,
    },
  );
  assert.equal(traces.length, REQUESTS);
  for (const spans of traces) {
    assert.equal(spans.length, SPAN_ORDER.length, 'one span per stage per request');
    const byName = new Map(spans.map((s) => [s.name, s]));
    assert.deepEqual([...byName.keys()].sort(), [...SPAN_ORDER].sort());
    let parent = '';
    SPAN_ORDER.forEach((name, i) => {
      const span = byName.get(name)!;
      assert.equal(
        span.parentSpanId,
        parent,
        `${name} must be the child of ${SPAN_ORDER[i - 1] ?? 'nothing'}`,
      );
      assert.equal(span.kind, 5, 'CONSUMER');
      assert.equal(span.serviceName, `kpo-${STAGES[i]}`, 'a different process per stage');
      assert.equal(span.attributes['messaging.system'], 'kafka');
      assert.equal(span.attributes['messaging.destination.name'], specs[i]!.input);
      assert.equal(span.attributes['messaging.consumer.group.name'], specs[i]!.group);
      assert.equal(span.attributes['messaging.operation.type'], 'process');
      parent = span.spanId;
    });
  }
});

test('every metric the dashboards and rules use, and every listed metric, is exported by each worker’s /metrics', async () => {
  const registered = listWorkerEndpoints(workersDir);
  assert.deepEqual(registered.map((w) => w.stage).sort(), [...STAGES].sort());
  const needed = [...new Set([...infraMetricNames(), ...METRIC_NAMES])];
  for (const worker of registered) {
    const response = await fetch(worker.metricsUrl);
    assert.equal(response.status, 200);
    const declared = new Set(declaredMetricNames(await response.text()));
    const missing = needed.filter((name) => !declared.has(name));
    assert.deepEqual(missing, [], `${worker.stage} does not export ${missing.join(', ')}`);
  }
});

test('a real Prometheus scraping the workers answers histogram_quantile(0.99) of task duration with a number for every stage', async (t) => {
  const prometheus = await startPrometheus(
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: kpo-workers',
      '    file_sd_configs:',
      `      - files: ['${join(workersDir, '*.json')}']`,
      '        refresh_interval: 1s',
      '',
    ].join('\n'),
  );
  t.after(() => prometheus.stop());
  // Keep records flowing so rate() over the scrapes sees new observations at every stage.
  let flowing = true;
  const traffic = (async () => {
    while (flowing) {
      await send(3, 'load');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();
  t.after(async () => {
    flowing = false;
    await traffic;
  });
  const query = 'histogram_quantile(0.99, sum by (le, stage) (rate(kpo_task_duration_seconds_bucket[1m])))';
  const result = await waitFor(
    async () => {
      const answer = await prometheus.query(query);
      const numeric = answer.filter((r) => Number.isFinite(Number(r.value[1])));
      return numeric.length >= STAGES.length ? answer : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500, what: 'a p99 for all five stages from Prometheus' },
  );
  const stages = result.map((r) => r.metric.stage).sort();
  assert.deepEqual(stages, [...STAGES].sort());
  for (const r of result) {
    const p99 = Number(r.value[1]);
    assert.ok(Number.isFinite(p99) && p99 > 0, `${r.metric.stage}: p99 ${r.value[1]}`);
  }
  const targets = await prometheus.targets();
  assert.equal(targets.filter((target) => target.health === 'up').length, STAGES.length);
});

test('kpo status (runStatus) lists all five stages with consumers, lag, in-flight, throughput and p99', async () => {
  const groups = new KafkajsGroupDescriber(serviceEndpoints().kafkaBrokers);
  await groups.connect();
  try {
    const report = await runStatus({
      stages: specs.map((s) => ({ stage: s.stage, groupId: s.group, inputTopic: s.input })),
      admin,
      groups,
      workersDir,
      sampleMs: 500,
    });
    assert.deepEqual(
      report.stages.map((s) => s.stage),
      [...STAGES],
    );
    for (const stage of report.stages) {
      assert.deepEqual(stage.errors, [], stage.stage);
      assert.equal(stage.consumers, 1, `${stage.stage} consumers`);
      assert.equal(stage.groupState, 'Stable');
      assert.equal(typeof stage.lag, 'number');
      assert.equal(stage.partitions.length, PARTITIONS);
      assert.deepEqual(
        stage.workers.map((w) => w.up),
        [true],
      );
      assert.equal(typeof stage.inFlight, 'number');
      assert.equal(typeof stage.throughputPerSecond, 'number');
      assert.ok((stage.p99TaskSeconds ?? 0) > 0, `${stage.stage} p99 ${stage.p99TaskSeconds}`);
    }
    assert.ok(JSON.parse(JSON.stringify(report)), 'the report is plain JSON');
  } finally {
    await groups.close();
  }
});

test('`kpo status --json` prints all five stages with their figures, from a pipeline file naming the topics and group prefix', async () => {
  const config = join(workersDir, '..', `${groupPrefix}-pipeline.yaml`);
  writeFileSync(
    config,
    [
      `groupPrefix: ${groupPrefix}`,
      'topics:',
      `  prompts: ${topics[0]}`,
      `  rag: ${topics[1]}`,
      `  assembled: ${topics[2]}`,
      `  tokensRaw: ${topics[3]}`,
      `  tokensPost: ${topics[4]}`,
      `  output: ${topics[5]}`,
      '',
    ].join('\n'),
  );
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        join(PROJECT_ROOT, 'test', 'fixtures', 'observability', 'status-command.ts'),
        'status',
        '--json',
        '--sample-ms',
        '300',
        '--workers-dir',
        workersDir,
      ],
      { cwd: PROJECT_ROOT, env: { ...process.env, KPO_CONFIG: config }, timeout: 60_000 },
    );
    const report = JSON.parse(stdout) as StatusReport;
    assert.deepEqual(
      report.stages.map((s) => [s.stage, s.groupId, s.inputTopic]),
      specs.map((s) => [s.stage, s.group, s.input]),
    );
    for (const stage of report.stages) {
      assert.equal(stage.consumers, 1, stage.stage);
      assert.equal(typeof stage.lag, 'number', stage.stage);
      assert.equal(typeof stage.inFlight, 'number', stage.stage);
      assert.equal(typeof stage.throughputPerSecond, 'number', stage.stage);
      assert.equal(typeof stage.p99TaskSeconds, 'number', stage.stage);
    }
  } finally {
    rmSync(config, { force: true });
  }
});
