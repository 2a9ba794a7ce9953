/**
 * Issue 8's "done when", with the project's real stage workers: the whole
 * pipeline from startLocalPipeline (one `kpo worker <stage>` process per stage,
 * one simulated model) on real Kafka, registry and Redis, with real prompts
 * from the client library. Checks: each request is one trace across the five
 * processes with parent/child order rag → assemble → infer → post → stream
 * (collected by a test OTLP receiver); a real Prometheus discovering the
 * workers through their file_sd files answers histogram_quantile(0.99, …)
 * with a number for every stage; every metric the dashboards use is exported
 * by each worker's /metrics; `kpo status --json` lists the five stages with
 * consumers and figures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { StatusReport } from '../../../cli/status/status-report.ts';
import { startLocalPipeline, type LocalPipeline } from '../../../cli/local-pipeline/local-pipeline.ts';
import { PromptClient } from '../../../shared/client/prompt-client.ts';
import { STAGE_NAMES, type StageName } from '../../../shared/config/pipeline-config-schema.ts';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { infraMetricNames } from '../../helpers/dashboard-expressions.ts';
import { parseExposition } from '../../../shared/metrics/exposition-parser.ts';
import { METRIC_NAMES } from '../../../shared/metrics/metric-names.ts';
import { listWorkerEndpoints } from '../../../shared/metrics/worker-endpoint-registry.ts';
import { pipelineTopicSpecs, stageTopics } from '../../../shared/pipeline/pipeline-topics.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { spanNameOf } from '../../../shared/tracing/stage-span-names.ts';
import { OtlpTraceReceiver, type ReceivedSpan } from '../../fixtures/otlp/otlp-trace-receiver.ts';
import { spanChainFrom } from '../../fixtures/otlp/span-chains.ts';
import { runConversations, TURNS, type TurnResult } from '../../helpers/pipeline-conversations.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { writeTestPipelineConfig, type TestPipelineConfig } from '../../helpers/test-pipeline-config.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { startPrometheus, type RunningPrometheus } from './prometheus-process.ts';

/** Names declared by `# TYPE <name> <type>` lines (a metric registered but not yet observed still declares itself). */
function declaredMetricNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^#\s*TYPE\s+(\S+)\s+\S+/.exec(line.trim());
    if (match?.[1]) names.push(match[1]);
  }
  return names;
}

const SPAN_ORDER = STAGE_NAMES.map(spanNameOf);
const TRACED_SESSIONS = 4;
const CONSUMER_KIND = 5;

let kpoHome: string;
let pipelineFile: TestPipelineConfig;
let receiver: OtlpTraceReceiver;
let prometheus: RunningPrometheus | undefined;
let pipeline: LocalPipeline | undefined;
let client: PromptClient | undefined;
let traced: TurnResult[] = [];

function assertDone(results: readonly TurnResult[]): void {
  for (const r of results) {
    assert.equal(
      r.terminal.type,
      'done',
      `${r.sessionId}: ${r.terminal.errorCode} ${r.terminal.errorMessage}`,
    );
  }
}

const groupOf = (stage: StageName): string => `${pipelineFile.config.groupPrefix}-${stage}`;

before(async () => {
  const endpoints = serviceEndpoints();
  kpoHome = mkdtempSync(join(tmpdir(), 'kpo-obs-home-'));
  mkdirSync(join(kpoHome, 'workers'));
  receiver = new OtlpTraceReceiver();
  const otlpEndpoint = await receiver.start();
  // Prometheus first: it discovers each worker the moment its file_sd file appears.
  prometheus = await startPrometheus(
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: kpo-workers',
      '    file_sd_configs:',
      `      - files: ['${join(kpoHome, 'workers', '*.json')}']`,
      '        refresh_interval: 1s',
      '',
    ].join('\n'),
  );
  pipelineFile = writeTestPipelineConfig({}, 2);
  pipeline = await startLocalPipeline({
    model: 'sim',
    workerEnv: {
      ...pipelineFile.env,
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: endpoints.schemaRegistryUrl,
      REDIS_URL: endpoints.redisUrl,
      KPO_HOME: kpoHome,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
      OTEL_BSP_SCHEDULE_DELAY: '200',
    },
    modelReplicas: 1,
    logDir: join(kpoHome, 'logs'),
  });
  const { topics } = pipeline.config;
  client = new PromptClient({
    kafka: createKafkaClient({
      brokers: endpoints.kafkaBrokers,
      clientId: 'obs-client',
      logLevel: 'nothing',
    }),
    codecs: await createMessageCodecs({ schemaRegistryUrl: endpoints.schemaRegistryUrl }),
    promptsTopic: topics.prompts,
    outputTopic: topics.output,
    cancelTopic: topics.cancel,
    eventTimeoutMs: 30_000,
  });
  traced = await runConversations(client, {
    sessions: TRACED_SESSIONS,
    sessionPrefix: `obs-${Date.now()}`,
    turns: [TURNS[0]],
    maxTokens: 8,
  });
  assertDone(traced);
});

after(async () => {
  try {
    await client?.close();
    await pipeline?.stop();
    if (pipeline) await deletePipelineTopicsAndGroups();
  } finally {
    await prometheus?.stop();
    await receiver?.close();
    if (pipelineFile) rmSync(dirname(pipelineFile.path), { recursive: true, force: true });
    if (kpoHome) rmSync(kpoHome, { recursive: true, force: true });
  }
});

async function deletePipelineTopicsAndGroups(): Promise<void> {
  const admin = createKafkaClient({
    brokers: serviceEndpoints().kafkaBrokers,
    logLevel: 'nothing',
  }).createAdmin();
  await admin.connect();
  try {
    await admin.deleteGroups(STAGE_NAMES.map(groupOf)).catch(() => undefined);
    await admin
      .deleteTopics(pipelineTopicSpecs(pipelineFile.config).map((s) => s.topic))
      .catch(() => undefined);
  } finally {
    await admin.close();
  }
}

test('each request is one trace across the five worker processes: rag → assemble → infer → post → stream', async () => {
  const config = pipelineFile.config;
  const rootOf = (spans: readonly ReceivedSpan[], sessionId: string): ReceivedSpan | undefined =>
    spans.find(
      (s) =>
        s.name === 'rag' &&
        s.attributes['messaging.destination.name'] === config.topics.prompts &&
        s.attributes['messaging.kafka.message.key'] === sessionId,
    );
  const chains = await waitFor(
    () => {
      const spans = [...receiver.spans];
      const found = traced.map((r) => {
        const root = rootOf(spans, r.sessionId);
        return root && spanChainFrom(root, SPAN_ORDER, spans);
      });
      return found.every((c) => c !== undefined) ? found : undefined;
    },
    {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `a rag → … → stream chain for each of ${traced.length} requests (have ${receiver.spans.length} spans)`,
    },
  );
  assert.equal(
    new Set(chains.map((chain) => chain[0]!.traceId)).size,
    traced.length,
    'one trace per request',
  );
  for (const [i, chain] of chains.entries()) {
    const sessionId = traced[i]!.sessionId;
    assert.equal(chain[0]!.parentSpanId, '', `${sessionId}: rag span is the root`);
    assert.equal(
      receiver.spans.filter((s) => s.name === 'rag' && s.traceId === chain[0]!.traceId).length,
      1,
      `${sessionId}: one rag span`,
    );
    const keyed = receiver.spans.filter((s) => s.attributes['messaging.kafka.message.key'] === sessionId);
    assert.deepEqual(
      [...new Set(keyed.map((s) => s.traceId))],
      [chain[0]!.traceId],
      `${sessionId}: every span of the request's records, at every stage, is in its one trace`,
    );
    assert.deepEqual(
      [...new Set(keyed.map((s) => s.name))].sort(),
      [...SPAN_ORDER].sort(),
      `${sessionId}: keyed records at every stage`,
    );
    STAGE_NAMES.forEach((stage, j) => {
      const span = chain[j]!;
      const where = `${sessionId} ${span.name}`;
      assert.equal(span.name, SPAN_ORDER[j]);
      assert.equal(span.traceId, chain[0]!.traceId, `${where}: same trace`);
      if (j > 0)
        assert.equal(span.parentSpanId, chain[j - 1]!.spanId, `${where}: child of ${SPAN_ORDER[j - 1]}`);
      assert.equal(span.kind, CONSUMER_KIND, `${where}: CONSUMER`);
      assert.equal(span.serviceName, `kpo-${stage}`, `${where}: its own worker process`);
      assert.equal(span.attributes['messaging.system'], 'kafka', where);
      assert.equal(span.attributes['messaging.operation.type'], 'process', where);
      assert.equal(span.attributes['messaging.destination.name'], stageTopics(config, stage).input, where);
      assert.equal(span.attributes['messaging.consumer.group.name'], groupOf(stage), where);
      assert.equal(typeof span.attributes['messaging.kafka.offset'], 'number', where);
      assert.equal(typeof span.attributes['messaging.destination.partition.id'], 'string', where);
    });
  }
  const byName = (name: string): number =>
    receiver.spans.filter((s) => s.name === name && chains.some((c) => c[0]!.traceId === s.traceId)).length;
  console.log(
    `spans of ${traced.length} requests: ${SPAN_ORDER.map((n) => `${n}=${byName(n)}`).join(' ')} (received ${receiver.spans.length} in ${receiver.requests} exports)`,
  );
});

test('a real Prometheus discovering the workers by file_sd answers histogram_quantile(0.99) of task duration for every stage', async () => {
  const running = prometheus!;
  // rate() needs an increase between two scrapes: wait until every stage's series has been scraped once, then send more.
  await waitFor(
    async () =>
      (await running.query('count by (stage) (kpo_task_duration_seconds_count)')).length >=
      STAGE_NAMES.length,
    {
      timeoutMs: 20_000,
      intervalMs: 500,
      what: 'a kpo_task_duration_seconds sample of every stage in Prometheus',
    },
  );
  assertDone(
    await runConversations(client!, {
      sessions: 2,
      sessionPrefix: `obs-more-${Date.now()}`,
      turns: [TURNS[1]],
      maxTokens: 8,
    }),
  );
  const query = 'histogram_quantile(0.99, sum by (le, stage) (rate(kpo_task_duration_seconds_bucket[1m])))';
  const result = await waitFor(
    async () => {
      const answer = await running.query(query);
      const numeric = answer.filter((r) => Number.isFinite(Number(r.value[1])));
      return numeric.length >= STAGE_NAMES.length ? answer : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 500, what: 'a p99 for all five stages from Prometheus' },
  );
  assert.deepEqual(result.map((r) => r.metric.stage).sort(), [...STAGE_NAMES].sort());
  for (const r of result) {
    const p99 = Number(r.value[1]);
    assert.ok(Number.isFinite(p99) && p99 > 0, `${r.metric.stage}: p99 ${r.value[1]}`);
  }
  console.log(
    `Prometheus p99 task duration: ${result.map((r) => `${r.metric.stage}=${Number(r.value[1]).toFixed(4)}s`).join(' ')}`,
  );
  const targets = await running.targets();
  assert.deepEqual(
    targets
      .filter((t) => t.health === 'up')
      .map((t) => t.labels.stage)
      .sort(),
    [...STAGE_NAMES].sort(),
    'one healthy target per stage, found through the workers’ file_sd files',
  );
});

test('every metric the dashboards and rules use, and every listed metric, is exported by each real worker’s /metrics', async () => {
  const registered = listWorkerEndpoints(join(kpoHome, 'workers'));
  assert.deepEqual(registered.map((w) => w.stage).sort(), [...STAGE_NAMES].sort());
  const dashboardNames = infraMetricNames();
  assert.ok(dashboardNames.length > 0, 'the dashboards use some metrics');
  const needed = [...new Set([...dashboardNames, ...METRIC_NAMES])];
  for (const worker of registered) {
    const response = await fetch(worker.metricsUrl);
    assert.equal(response.status, 200);
    const declared = new Set(declaredMetricNames(await response.text()));
    const missing = needed.filter((name) => !declared.has(name));
    assert.deepEqual(missing, [], `${worker.stage} does not export ${missing.join(', ')}`);
  }
});

/** Every named metric whose name has no sample line in any worker's scrape right now. */
async function unsampledMetricNames(): Promise<string[]> {
  const registered = listWorkerEndpoints(join(kpoHome, 'workers'));
  const needed = [...new Set([...infraMetricNames(), ...METRIC_NAMES])];
  const sampled = new Set<string>();
  for (const worker of registered) {
    const response = await fetch(worker.metricsUrl, { signal: AbortSignal.timeout(5_000) });
    for (const sample of parseExposition(await response.text()))
      sampled.add(sample.name.replace(/_(bucket|sum|count)$/, ''));
  }
  // A histogram's samples are name_bucket/_sum/_count; a declared name with no sample line means nothing set it.
  return needed.filter((name) => !sampled.has(name) && !sampled.has(`${name}_bucket`));
}

/** Sets the simulator's fault knobs (POST /admin/faults) on every replica. */
async function setModelFaults(faults: Record<string, number>): Promise<void> {
  for (const url of pipeline!.modelUrls) {
    const response = await fetch(`${url}/admin/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
      signal: AbortSignal.timeout(5_000),
    });
    assert.equal(response.status, 200, `${url}/admin/faults`);
  }
}

test('every metric the README, shared/metrics/README.md and the dashboards name has a real sample in the running workers’ scrapes', async () => {
  // Retries and dead letters are counted by error code, so they need real events: an undecodable prompt
  // (rag dead-letters it) and a request the model refuses every time (inference retries it, then gives up).
  const kafka = createKafkaClient({
    brokers: serviceEndpoints().kafkaBrokers,
    clientId: 'obs-faults',
    logLevel: 'nothing',
  });
  const producer = kafka.createProducer();
  await producer.connect();
  try {
    await producer.send([
      { topic: pipeline!.config.topics.prompts, key: 'obs-garbage', value: Buffer.from('not avro') },
    ]);
  } finally {
    await producer.close();
  }
  await setModelFaults({ errorRate: 1 });
  try {
    const [refused] = await runConversations(client!, {
      sessions: 1,
      sessionPrefix: `obs-refused-${Date.now()}`,
      turns: [TURNS[0]],
      maxTokens: 8,
    });
    assert.equal(refused?.terminal.type, 'error', 'a request the model always refuses ends with an error');
  } finally {
    await setModelFaults({ errorRate: 0 });
  }
  let unsampled = await unsampledMetricNames();
  const deadline = Date.now() + 30_000;
  while (unsampled.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    unsampled = await unsampledMetricNames();
  }
  assert.deepEqual(unsampled, [], `named but never set by any worker: ${unsampled.join(', ')}`);
});

test('`kpo status --json` lists all five stages with consumers, lag, in-flight, throughput and p99', async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'cli', 'kpo.ts'), 'status', '--json', '--sample-ms', '300'],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, KPO_CONFIG: pipelineFile.path, KPO_HOME: kpoHome },
      timeout: 30_000,
    },
  );
  const report = JSON.parse(stdout) as StatusReport;
  assert.deepEqual(
    report.stages.map((s) => [s.stage, s.groupId, s.inputTopic]),
    STAGE_NAMES.map((stage) => [stage, groupOf(stage), stageTopics(pipelineFile.config, stage).input]),
  );
  for (const stage of report.stages) {
    assert.deepEqual(stage.errors, [], stage.stage);
    assert.ok((stage.consumers ?? 0) >= 1, `${stage.stage} consumers ${stage.consumers}`);
    assert.deepEqual(
      stage.workers.map((w) => w.up),
      [true],
      `${stage.stage}: its one worker answered`,
    );
    assert.equal(typeof stage.lag, 'number', stage.stage);
    assert.equal(typeof stage.inFlight, 'number', stage.stage);
    assert.equal(typeof stage.throughputPerSecond, 'number', stage.stage);
    assert.ok((stage.p99TaskSeconds ?? 0) > 0, `${stage.stage} p99 ${stage.p99TaskSeconds}`);
  }
  console.log(
    `kpo status: ${report.stages.map((s) => `${s.stage} consumers=${s.consumers} lag=${s.lag} inFlight=${s.inFlight} p99=${s.p99TaskSeconds}s`).join('; ')}`,
  );
});
