import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics, trace } from '@opentelemetry/api';
import { startTracing } from '../../../shared/tracing/start-tracing.ts';
import { compileTracingOptions } from '../../../shared/tracing/tracing-options.ts';

test('export is off unless an OTLP endpoint is configured', () => {
  assert.equal(compileTracingOptions({ serviceName: 's' }, {}).tracesUrl, undefined);
  assert.equal(
    compileTracingOptions({ serviceName: 's' }, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })
      .tracesUrl,
    'http://127.0.0.1:4318/v1/traces',
  );
  assert.equal(
    compileTracingOptions(
      { serviceName: 's' },
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/custom/traces' },
    ).tracesUrl,
    'http://127.0.0.1:4318/custom/traces',
  );
  assert.equal(
    compileTracingOptions(
      { serviceName: 's' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' },
    ).tracesUrl,
    undefined,
  );
});

test('with no endpoint no SDK starts: spans are non-recording and no context manager or meter provider is registered', async () => {
  const running = startTracing({ serviceName: 'kpo-test' }, {});
  try {
    assert.equal(running.exporting, false);
    const span = trace.getTracer('t').startSpan('x');
    assert.equal(span.isRecording(), false);
    span.end();
    assert.equal(trace.getTracerProvider().constructor.name, 'ProxyTracerProvider');
    assert.equal(
      (trace.getTracerProvider() as unknown as { getDelegate(): object }).getDelegate().constructor.name,
      'NoopTracerProvider',
    );
    assert.equal(metrics.getMeterProvider().constructor.name, 'NoopMeterProvider');
  } finally {
    assert.equal(await running.shutdown(), 'flushed');
  }
});

test('with an endpoint spans are recorded with trace ids', async () => {
  const running = startTracing(
    { serviceName: 'kpo-test', otlpEndpoint: 'http://127.0.0.1:1', shutdownTimeoutMs: 200 },
    {},
  );
  try {
    assert.equal(running.exporting, true);
    const span = trace.getTracer('t').startSpan('x');
    assert.equal(span.isRecording(), true);
    assert.notEqual(span.spanContext().traceId, '0'.repeat(32));
    span.end();
  } finally {
    await running.shutdown();
  }
});

test('shutdown gives up after shutdownTimeoutMs when the collector refuses connections (the exporter would keep retrying)', async () => {
  const running = startTracing(
    {
      serviceName: 'kpo-test',
      otlpEndpoint: 'http://127.0.0.1:1',
      shutdownTimeoutMs: 300,
      exportTimeoutMs: 2_000,
    },
    {},
  );
  for (let i = 0; i < 100; i += 1) trace.getTracer('t').startSpan(`s${i}`).end();
  assert.equal(await running.shutdown(), 'timeout');
});

test('shutdown gives up after shutdownTimeoutMs when the collector accepts but never answers', async () => {
  const blackhole: Server = createServer(() => undefined);
  await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', () => resolve()));
  const port = (blackhole.address() as AddressInfo).port;
  const running = startTracing(
    {
      serviceName: 'kpo-test',
      otlpEndpoint: `http://127.0.0.1:${port}`,
      shutdownTimeoutMs: 300,
      exportTimeoutMs: 2_000,
    },
    {},
  );
  try {
    for (let i = 0; i < 10; i += 1) trace.getTracer('t').startSpan(`s${i}`).end();
    assert.equal(await running.shutdown(), 'timeout');
  } finally {
    blackhole.closeAllConnections();
    await new Promise<void>((resolve) => blackhole.close(() => resolve()));
  }
});

test('a full span queue drops spans instead of blocking the caller', async () => {
  const running = startTracing(
    {
      serviceName: 'kpo-test',
      otlpEndpoint: 'http://127.0.0.1:1',
      maxQueueSize: 8,
      scheduledDelayMs: 60_000,
      shutdownTimeoutMs: 200,
      exportTimeoutMs: 1_000,
    },
    {},
  );
  try {
    let ended = 0;
    for (let i = 0; i < 1_000; i += 1) {
      trace.getTracer('t').startSpan(`s${i}`).end();
      ended += 1;
    }
    assert.equal(ended, 1_000);
  } finally {
    await running.shutdown();
  }
});
