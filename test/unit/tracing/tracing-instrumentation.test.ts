import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { HEADER } from '../../../shared/messages/header-names.ts';
import type { SourceRecord } from '../../../shared/runtime/stage-handler.ts';
import { startTracing } from '../../../shared/tracing/start-tracing.ts';
import { createTracingInstrumentation } from '../../../shared/tracing/tracing-instrumentation.ts';
import { OtlpTraceReceiver } from '../../fixtures/otlp/otlp-trace-receiver.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const source = (headers: Record<string, string> = {}): SourceRecord => ({
  topic: 'llm.assembled',
  partition: 3,
  offset: '42',
  timestampMs: Date.now(),
  key: 'session-1',
  headers,
});

const parentTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

test('without an SDK the incoming trace context is forwarded unchanged to outputs', async () => {
  const tracing = createTracingInstrumentation({ stage: 'inference' });
  const headers = await tracing.aroundHandler!(
    source({ [HEADER.traceparent]: parentTraceparent }),
    async (out) => out(),
  );
  assert.equal(headers[HEADER.traceparent], parentTraceparent);
});

test('spans are exported as CONSUMER spans named after the stage, children of the record’s context, with messaging attributes', async () => {
  const receiver = new OtlpTraceReceiver();
  const url = await receiver.start();
  const running = startTracing({ serviceName: 'kpo-inference', otlpEndpoint: url, scheduledDelayMs: 50 });
  try {
    assert.equal(running.exporting, true);
    const tracing = createTracingInstrumentation({ stage: 'inference' });
    let activeTraceId: string | undefined;
    const headers = await tracing.aroundHandler!(
      source({ [HEADER.traceparent]: parentTraceparent }),
      async (out) => {
        activeTraceId = trace.getActiveSpan()?.spanContext().traceId;
        return out();
      },
    );
    assert.equal(activeTraceId, '0af7651916cd43dd8448eb211c80319c');
    const outgoing = headers[HEADER.traceparent] ?? '';
    assert.match(outgoing, /^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    const [span] = await waitFor(() => (receiver.spans.length > 0 ? receiver.spans : undefined), {
      timeoutMs: 5_000,
      what: 'the exported span',
    });
    assert.ok(span);
    assert.equal(span.name, 'infer');
    assert.equal(span.kind, 5);
    assert.equal(span.serviceName, 'kpo-inference');
    assert.equal(span.traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.parentSpanId, 'b7ad6b7169203331');
    assert.equal(outgoing.split('-')[2], span.spanId, 'outputs carry the span as parent');
    assert.deepEqual(
      {
        system: span.attributes['messaging.system'],
        destination: span.attributes['messaging.destination.name'],
        operation: span.attributes['messaging.operation.type'],
        key: span.attributes['messaging.kafka.message.key'],
        offset: span.attributes['messaging.kafka.offset'],
        partition: span.attributes['messaging.destination.partition.id'],
        group: span.attributes['messaging.consumer.group.name'],
      },
      {
        system: 'kafka',
        destination: 'llm.assembled',
        operation: 'process',
        key: 'session-1',
        offset: 42,
        partition: '3',
        group: 'kpo-inference',
      },
    );
  } finally {
    await running.shutdown();
    await receiver.close();
  }
});

test('a record without trace context starts a new trace; a failing handler marks its span as an error and rethrows', async () => {
  const receiver = new OtlpTraceReceiver();
  const url = await receiver.start();
  const running = startTracing({ serviceName: 'kpo-rag', otlpEndpoint: url, scheduledDelayMs: 50 });
  try {
    const tracing = createTracingInstrumentation({ stage: 'rag' });
    await assert.rejects(
      tracing.aroundHandler!(source(), async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    const spans = await waitFor(() => (receiver.spans.length > 0 ? receiver.spans : undefined), {
      timeoutMs: 5_000,
      what: 'the exported span',
    });
    assert.equal(spans[0]?.name, 'rag');
    assert.equal(spans[0]?.parentSpanId, '');
    assert.match(spans[0]?.traceId ?? '', /^[0-9a-f]{32}$/);
  } finally {
    await running.shutdown();
    await receiver.close();
  }
});
