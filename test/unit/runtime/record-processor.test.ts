import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { ConsumedRecord, KafkaClientPort } from '../../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../../shared/messages/header-names.ts';
import { BatchingProducer } from '../../../shared/runtime/batching-producer.ts';
import { DeadLetterWriter } from '../../../shared/runtime/dead-letter-writer.ts';
import { AttemptRunner } from '../../../shared/runtime/attempt-runner.ts';
import { OffsetTracker } from '../../../shared/runtime/offset-tracker.ts';
import { RecordProcessor } from '../../../shared/runtime/record-processor.ts';
import { RetryPolicy } from '../../../shared/runtime/retry-policy.ts';
import type { RecordFailure, StageHandler } from '../../../shared/runtime/stage-handler.ts';
import { compileStageWorkerOptions } from '../../../shared/runtime/stage-worker-options.ts';
import type { WorkerInstrumentation } from '../../../shared/runtime/worker-instrumentation.ts';
import { TakenRecord } from '../../../shared/runtime/work-item.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
  type TestInput,
  type TestOutput,
} from '../../fixtures/runtime/test-records.ts';
import { RecordingProducer } from './fake-ports.ts';

function setup(
  options: {
    handler?: StageHandler<TestInput, TestOutput>;
    maxAgeMs?: number;
    instrumentation?: WorkerInstrumentation;
  } = {},
) {
  const port = new RecordingProducer();
  const failures: RecordFailure[] = [];
  const calls: string[] = [];
  const compiled = compileStageWorkerOptions({
    stage: 'unit',
    inputTopic: 'in',
    outputTopic: 'out',
    handler: options.handler ?? testHandler(),
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    kafka: {} as KafkaClientPort,
    settings: { maxAgeMs: options.maxAgeMs ?? 0, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } },
    onRecordFailure: (f) => void failures.push(f),
    instrumentation: options.instrumentation ?? {
      onHandlerStart: (_s, attempt) => calls.push(`start ${attempt}`),
      onHandlerEnd: (_s, outcome) => calls.push(`end ${outcome}`),
      onRetry: (_s, attempt) => calls.push(`retry ${attempt}`),
      onDeadLettered: (_s, e) => calls.push(`dead ${e.code}`),
      onShed: (_s, reason) => calls.push(`shed ${reason}`),
      onRejected: () => calls.push('rejected'),
      onOutput: (topic) => calls.push(`output ${topic}`),
    },
  });
  const output = new BatchingProducer(port, 100);
  const stop = new AbortController();
  const processor = new RecordProcessor(
    compiled,
    new AttemptRunner(compiled, output, stop.signal),
    new RetryPolicy(compiled.settings.retry),
    new DeadLetterWriter('unit', compiled.deadLetterTopic, deadLetterJsonCodec, output),
    stop.signal,
  );
  const tracker = new OffsetTracker();
  let offset = 0;
  const item = (value: Buffer | object, extra: { rejected?: boolean; timestampMs?: number } = {}) => {
    const raw: ConsumedRecord = {
      topic: 'in',
      partition: 0,
      offset: String(offset),
      timestampMs: extra.timestampMs ?? Date.now(),
      key: Buffer.from('session-1'),
      value: Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value)),
      headers: { traceparent: Buffer.from('00-abc-def-01') },
    };
    const handle = tracker.track('in', 0, String(offset));
    offset += 1;
    return new TakenRecord(raw, handle, extra.rejected ?? false);
  };
  return { port, failures, calls, processor, item, stop };
}

const input = (extra: Partial<TestInput> = {}): TestInput => ({
  session: 'session-1',
  n: 0,
  requestId: 'r1',
  ...extra,
});

test('an output carries the input key, the de-dup identity and the stage header', async () => {
  const { port, processor, item, calls } = setup();
  assert.equal(await processor.process(item(input())), 'done');
  const [out] = port.records;
  assert.equal(out?.topic, 'out');
  assert.equal(out?.key?.toString(), 'session-1');
  assert.deepEqual(
    [HEADER.requestId, HEADER.seq, HEADER.attempt, HEADER.producedBy].map((h) =>
      out?.headers?.[h]?.toString(),
    ),
    ['r1', '0', '1', 'unit'],
  );
  assert.deepEqual(calls, ['start 1', 'output out', 'end ok']);
});

test('trace headers from aroundHandler are added to every output', async () => {
  const { port, processor, item } = setup({
    instrumentation: { aroundHandler: (_source, run) => run(() => ({ traceparent: '00-trace-span-01' })) },
  });
  await processor.process(item(input()));
  assert.equal(port.records[0]?.headers?.traceparent, '00-trace-span-01');
});

test('a retryable failure is retried and the output carries the attempt that produced it', async () => {
  const { port, processor, item, calls } = setup();
  assert.equal(await processor.process(item(input({ mode: 'flaky' }))), 'done');
  assert.equal(port.records[0]?.headers?.[HEADER.attempt]?.toString(), '2');
  assert.deepEqual(calls, ['start 1', 'end retry', 'retry 1', 'start 2', 'output out', 'end ok']);
});

test('exhausted retries dead-letter with KPO_RETRIES_EXHAUSTED and tell onRecordFailure', async () => {
  const handler: StageHandler<TestInput, TestOutput> = {
    identify: (i) => ({ requestId: i.requestId, sessionId: i.session }),
    handle: async () => {
      throw new KpoError('KPO_MODEL_HTTP', 'upstream 503', { retryable: true });
    },
  };
  const { port, processor, item, failures } = setup({ handler });
  assert.equal(await processor.process(item(input())), 'done');
  const [letter] = port.records;
  assert.equal(letter?.topic, 'in.dlq');
  assert.equal(letter?.headers?.[HEADER.dlqErrorCode], 'KPO_RETRIES_EXHAUSTED');
  assert.equal(letter?.headers?.[HEADER.dlqAttempts], '3');
  assert.equal(letter?.headers?.traceparent?.toString(), '00-abc-def-01', 'original headers kept');
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.outcome, 'failed');
  assert.equal(failures[0]?.requestId, 'r1');
  assert.equal(failures[0]?.attempts, 3);
});

test('undecodable bytes are dead-lettered without calling the handler', async () => {
  const { port, processor, item, calls, failures } = setup();
  assert.equal(await processor.process(item(Buffer.from([0xff, 0x00]))), 'done');
  assert.equal(port.records[0]?.headers?.[HEADER.dlqErrorCode], 'KPO_DECODE_BODY');
  assert.ok(!calls.includes('start 1'));
  assert.equal(failures[0]?.requestId, undefined);
});

test('a record past its deadline or older than maxAgeMs is shed, not handled', async () => {
  const { port, processor, item, calls, failures } = setup({ maxAgeMs: 1_000 });
  await processor.process(item(input({ deadlineMs: Date.now() - 1 })));
  await processor.process(item(input({ requestId: 'r2' }), { timestampMs: Date.now() - 5_000 }));
  assert.equal(port.records.length, 0);
  assert.deepEqual(calls, ['shed deadline', 'shed max_age']);
  assert.deepEqual(
    failures.map((f) => [f.outcome, f.error.code]),
    [
      ['shed', 'KPO_SHED_EXPIRED'],
      ['shed', 'KPO_SHED_EXPIRED'],
    ],
  );
});

test('a record admission refused is reported rejected, not handled', async () => {
  const { port, processor, item, calls, failures } = setup();
  await processor.process(item(input(), { rejected: true }));
  assert.equal(port.records.length, 0);
  assert.deepEqual(calls, ['rejected']);
  assert.equal(failures[0]?.outcome, 'rejected');
  assert.equal(failures[0]?.error.code, 'KPO_REJECTED_BACKLOG');
});

test('a handler past handlerTimeoutMs fails with KPO_TIMEOUT and its signal aborts', async () => {
  let aborted: unknown;
  const handler: StageHandler<TestInput, TestOutput> = {
    identify: (i) => ({ requestId: i.requestId, sessionId: i.session }),
    handle: (_i, context) =>
      new Promise((_resolve, reject) => {
        context.signal.addEventListener('abort', () => {
          aborted = context.signal.reason;
          reject(new Error('aborted'));
        });
      }),
  };
  const port = new RecordingProducer();
  const compiled = compileStageWorkerOptions({
    stage: 'unit',
    inputTopic: 'in',
    outputTopic: 'out',
    handler,
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    kafka: {} as KafkaClientPort,
    settings: { handlerTimeoutMs: 20 },
  });
  const attempt = new AttemptRunner(compiled, new BatchingProducer(port, 10), new AbortController().signal);
  const raw: ConsumedRecord = {
    topic: 'in',
    partition: 0,
    offset: '0',
    timestampMs: Date.now(),
    key: null,
    value: null,
    headers: {},
  };
  const handle = new OffsetTracker().track('in', 0, '0');
  const result = await attempt.run(
    new TakenRecord(raw, handle, false),
    input(),
    { requestId: 'r', sessionId: 's' },
    1,
  );
  assert.equal(result.error?.code, 'KPO_TIMEOUT');
  assert.equal(result.error?.retryable, true);
  assert.ok(aborted instanceof KpoError);
});

test('at forced stop a retry wait is abandoned, not dead-lettered', async () => {
  const handler: StageHandler<TestInput, TestOutput> = {
    identify: (i) => ({ requestId: i.requestId, sessionId: i.session }),
    handle: async () => {
      throw new KpoError('KPO_MODEL_RATE_LIMITED', '429', { retryable: true, retryAfterMs: 5 });
    },
  };
  const { port, processor, item, stop } = setup({ handler });
  const pending = processor.process(item(input()));
  stop.abort();
  assert.equal(await pending, 'abandoned');
  assert.equal(port.records.length, 0);
});
