import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace } from '@opentelemetry/api';
import { createLogger } from '../../../shared/logging/create-logger.ts';
import { startTracing } from '../../../shared/tracing/start-tracing.ts';

function capture(): {
  stream: { write(line: string): void };
  lines(): Record<string, unknown>[];
  raw(): string;
} {
  const chunks: string[] = [];
  return {
    stream: { write: (line: string) => void chunks.push(line) },
    raw: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test('every line is JSON with the stage, level label and message', () => {
  const out = capture();
  createLogger({ stage: 'post', destination: out.stream }).info({ partition: 2 }, 'assigned');
  const [line] = out.lines();
  assert.equal(line?.stage, 'post');
  assert.equal(line?.level, 'info');
  assert.equal(line?.msg, 'assigned');
  assert.equal(line?.partition, 2);
  assert.equal(line?.trace_id, undefined, 'no trace id outside a span');
});

test('with tracing exported, a line logged inside an active span carries its trace id and span id', () => {
  // Nothing listens there: the span is only needed in memory.
  const tracing = startTracing(
    { serviceName: 'kpo-test', otlpEndpoint: 'http://127.0.0.1:1', shutdownTimeoutMs: 200 },
    {},
  );
  try {
    const out = capture();
    const logger = createLogger({ stage: 'rag', destination: out.stream });
    let ids: { traceId: string; spanId: string } | undefined;
    trace.getTracer('t').startActiveSpan('rag', (span) => {
      ids = span.spanContext();
      logger.info({}, 'handling');
      span.end();
    });
    const [line] = out.lines();
    assert.equal(line?.trace_id, ids?.traceId);
    assert.equal(line?.span_id, ids?.spanId);
  } finally {
    void tracing.shutdown();
  }
});

test('prompt text, message content and api keys never appear at info level', () => {
  const out = capture();
  const logger = createLogger({ stage: 'assemble', level: 'debug', destination: out.stream });
  logger.info(
    {
      promptText: 'SECRET-PROMPT',
      prompt: 'SECRET-PROMPT',
      messages: [{ role: 'user', content: 'SECRET-CONTENT' }],
      input: { content: 'SECRET-CONTENT', apiKey: 'SECRET-KEY' },
      apiKey: 'SECRET-KEY',
      requestId: 'r-1',
    },
    'assembled',
  );
  logger.warn({ endpoint: { url: 'http://m', apiKey: 'SECRET-KEY' } }, 'endpoint slow');
  const raw = out.raw();
  for (const secret of ['SECRET-PROMPT', 'SECRET-CONTENT', 'SECRET-KEY'])
    assert.ok(!raw.includes(secret), secret);
  assert.equal(out.lines()[0]?.requestId, 'r-1');
  assert.equal(out.lines()[0]?.promptText, '[redacted]');
});

test('prompt text is logged at debug level through the dedicated promptText field only', () => {
  const out = capture();
  const logger = createLogger({ stage: 'assemble', level: 'debug', destination: out.stream });
  logger.debug({ promptText: 'the rendered prompt', prompt: 'the rendered prompt' }, 'prompt');
  const [line] = out.lines();
  assert.equal(line?.promptText, 'the rendered prompt');
  assert.equal(line?.prompt, '[redacted]');
});
