import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { createStageMetrics } from '../../../shared/metrics/create-stage-metrics.ts';
import { METRIC, METRIC_NAMES } from '../../../shared/metrics/metric-names.ts';
import { metricsRoute } from '../../../shared/metrics/metrics-route.ts';
import { parseExposition, sampleValue } from '../../../shared/metrics/exposition-parser.ts';
import type { SourceRecord } from '../../../shared/runtime/stage-handler.ts';

const source: SourceRecord = {
  topic: 'llm.prompts',
  partition: 0,
  offset: '7',
  timestampMs: Date.now() - 250,
  key: 's-1',
  headers: {},
};

test('runtime hooks feed kpo_ series that all carry the stage label', async () => {
  const metrics = createStageMetrics('rag');
  const hooks = metrics.instrumentation;
  hooks.onFetched?.(source, 1);
  hooks.onHandlerStart?.(source, 1);
  hooks.onHandlerEnd?.(source, 'ok', 12);
  hooks.onHandlerEnd?.(source, 'retry', 3, new KpoError('KPO_MODEL_HTTP', 'x'));
  hooks.onRetry?.(source, 1, 100, new KpoError('KPO_MODEL_HTTP', 'x'));
  hooks.onDeadLettered?.(source, new KpoError('KPO_VALIDATION', 'x'));
  hooks.onShed?.(source, 'deadline');
  hooks.onRejected?.(source, 'backlog');
  hooks.onOutput?.('llm.rag');
  hooks.onLag?.({ topic: 'llm.prompts', partition: 0 }, 17);
  hooks.onPaused?.([{ topic: 'llm.prompts', partition: 0 }], 512);
  hooks.onCommitted?.({ topic: 'llm.prompts', partition: 0 }, '8');
  hooks.onStateChange?.('running');
  const samples = parseExposition(await metrics.registry.metrics());
  assert.ok(samples.length > 0);
  for (const sample of samples) {
    assert.ok(sample.name.startsWith('kpo_'), sample.name);
    assert.equal(sample.labels.stage, 'rag', sample.name);
  }
  assert.equal(sampleValue(samples, METRIC.recordsFetched), 1);
  assert.equal(sampleValue(samples, `${METRIC.taskDurationSeconds}_count`, { outcome: 'ok' }), 1);
  assert.equal(
    sampleValue(samples, `${METRIC.taskDurationSeconds}_bucket`, { outcome: 'ok', le: '0.02' }),
    1,
  );
  assert.equal(
    sampleValue(samples, `${METRIC.taskDurationSeconds}_bucket`, { outcome: 'ok', le: '0.01' }),
    0,
  );
  assert.equal(sampleValue(samples, `${METRIC.queueWaitSeconds}_count`), 1);
  assert.ok((sampleValue(samples, `${METRIC.queueWaitSeconds}_sum`) ?? 0) >= 0.25);
  assert.equal(sampleValue(samples, METRIC.retries, { code: 'KPO_MODEL_HTTP' }), 1);
  assert.equal(sampleValue(samples, METRIC.recordsDeadLettered, { code: 'KPO_VALIDATION' }), 1);
  assert.equal(sampleValue(samples, METRIC.recordsShed, { reason: 'deadline' }), 1);
  assert.equal(sampleValue(samples, METRIC.recordsShed, { reason: 'max_age' }), 0);
  assert.equal(sampleValue(samples, METRIC.recordsRejected, { reason: 'backlog' }), 1);
  assert.equal(sampleValue(samples, METRIC.outputs, { topic: 'llm.rag' }), 1);
  assert.equal(sampleValue(samples, METRIC.consumerLagRecords, { topic: 'llm.prompts', partition: '0' }), 17);
  assert.equal(sampleValue(samples, METRIC.workerPaused), 1);
  assert.equal(sampleValue(samples, METRIC.inFlightRecords), 512);
  assert.equal(sampleValue(samples, METRIC.offsetCommits), 1);
  assert.equal(sampleValue(samples, METRIC.workerState, { state: 'running' }), 1);
  assert.equal(sampleValue(samples, METRIC.workerState, { state: 'initialized' }), 0);
});

test('queue gauges are read from the worker at scrape time once observeWorker is called', async () => {
  const metrics = createStageMetrics('post');
  metrics.instrumentation.onFetched?.(source, 5);
  let inFlight = 3;
  metrics.observeWorker(() => ({ inFlight, running: 2, queued: 1, paused: false }));
  let samples = parseExposition(await metrics.registry.metrics());
  assert.equal(sampleValue(samples, METRIC.inFlightRecords), 3);
  assert.equal(sampleValue(samples, METRIC.runningHandlers), 2);
  assert.equal(sampleValue(samples, METRIC.queuedRecords), 1);
  assert.equal(sampleValue(samples, METRIC.workerPaused), 0);
  inFlight = 0;
  samples = parseExposition(await metrics.registry.metrics());
  assert.equal(sampleValue(samples, METRIC.inFlightRecords), 0);
});

test('stage figures export base units with their labels', async () => {
  const metrics = createStageMetrics('inference');
  const figures = metrics.figures;
  figures.observeBatchSize(8);
  figures.observeTimeToFirstToken(0.12, 'm');
  figures.observeInterTokenLatency(0.02, 'm');
  figures.addTokens('completion', 30, 'm');
  figures.addTokens('prompt', 100, 'm');
  figures.setCircuitBreakerState('sim-0', 'open');
  figures.recordKvHint('sim-0', true);
  figures.recordKvHint('sim-0', false);
  figures.recordRoutingDecision('sim-0', 'prefix_match');
  figures.observeE2eLatency(1.5, 'done');
  figures.observeTimeToFirstToken(Number.NaN);
  const samples = parseExposition(await metrics.registry.metrics());
  assert.equal(sampleValue(samples, `${METRIC.microBatchSize}_bucket`, { le: '8' }), 1);
  assert.equal(sampleValue(samples, `${METRIC.timeToFirstTokenSeconds}_count`, { model: 'm' }), 1);
  assert.equal(sampleValue(samples, `${METRIC.interTokenLatencySeconds}_sum`, { model: 'm' }), 0.02);
  assert.equal(sampleValue(samples, METRIC.tokens, { kind: 'completion', model: 'm' }), 30);
  assert.equal(sampleValue(samples, METRIC.circuitBreakerState, { endpoint: 'sim-0' }), 2);
  assert.equal(sampleValue(samples, METRIC.kvHintHits, { endpoint: 'sim-0' }), 1);
  assert.equal(sampleValue(samples, METRIC.kvHintMisses, { endpoint: 'sim-0' }), 1);
  assert.equal(
    sampleValue(samples, METRIC.routingDecisions, { endpoint: 'sim-0', reason: 'prefix_match' }),
    1,
  );
  assert.equal(sampleValue(samples, `${METRIC.e2eLatencySeconds}_count`, { outcome: 'done' }), 1);
});

test('every registered metric is in METRIC_NAMES and every listed name is registered', async () => {
  const metrics = createStageMetrics('stream');
  const registered = (await metrics.registry.getMetricsAsJSON()).map((m) => m.name);
  for (const name of registered.filter(
    (n) => !n.startsWith('kpo_process_') && !n.startsWith('kpo_nodejs_'),
  )) {
    assert.ok(METRIC_NAMES.includes(name), `${name} is registered but not listed`);
  }
  for (const name of METRIC_NAMES)
    assert.ok(registered.includes(name), `${name} is listed but not registered`);
});

test('metricsRoute serves the text exposition over node:http', async () => {
  const metrics = createStageMetrics('assemble');
  metrics.instrumentation.onOutput?.('llm.assembled');
  const route = metricsRoute(metrics.registry);
  const server = createServer((req, res) => void route(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
    const body = await response.text();
    assert.match(body, /kpo_outputs_total\{topic="llm.assembled",stage="assemble"\} 1/);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
