/**
 * How a record ends when something around its handler fails (issue 14), on a real StageWorker and broker:
 * a timed-out attempt that already wrote outputs is not run again beside itself (defect 2), a record whose
 * client could not be told of its failure is not committed until it is told (defect 6), and a throw before
 * the handler runs (deadlineOf) still ends the record so the partition's commits go on (defect 10).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADER } from '../../../shared/messages/header-names.ts';
import type { KafkaClientPort } from '../../../shared/kafka/kafka-port.ts';
import type { RecordFailure, StageHandler } from '../../../shared/runtime/stage-handler.ts';
import { StageWorker, type StageWorker as Worker } from '../../../shared/runtime/stage-worker.ts';
import type { StageWorkerOptions } from '../../../shared/runtime/stage-worker-options.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
  type TestInput,
  type TestOutput,
} from '../../fixtures/runtime/test-records.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  collect,
  createTopics,
  inputsFor,
  kafkaClient,
  produceInputs,
  type Topics,
} from '../runtime/runtime-test-kit.ts';

type WorkerOptions = StageWorkerOptions<TestInput, TestOutput>;

async function startWorker(
  t: TestContext,
  kafka: KafkaClientPort,
  topics: Topics,
  options: Partial<WorkerOptions> & Pick<WorkerOptions, 'handler'>,
): Promise<Worker<TestInput, TestOutput>> {
  const worker = new StageWorker<TestInput, TestOutput>({
    stage: 'outcomes',
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    kafka,
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    ...options,
  });
  await worker.start();
  t.after(() => worker.stop());
  return worker;
}

/** Waits until the group's committed offset of every partition of the input is its high watermark. */
async function waitForEverythingCommitted(
  kafka: KafkaClientPort,
  topics: Topics,
  what: string,
): Promise<void> {
  const admin = kafka.createAdmin();
  await admin.connect();
  try {
    const high = await admin.topicOffsets(topics.input);
    await waitFor(
      async () => {
        const committed = await admin.groupOffsets(topics.group, topics.input);
        return high.every((h) => committed.find((c) => c.partition === h.partition)?.offset === h.high);
      },
      { timeoutMs: 30_000, what },
    );
  } finally {
    await admin.close();
  }
}

async function committedOffset(kafka: KafkaClientPort, topics: Topics): Promise<string | undefined> {
  const admin = kafka.createAdmin();
  await admin.connect();
  try {
    return (await admin.groupOffsets(topics.group, topics.input)).find((c) => c.partition === 0)?.offset;
  } finally {
    await admin.close();
  }
}

test('a timed-out attempt that already wrote an output is not retried beside itself, and its late outputs are refused', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 1);
  await produceInputs(kafka, topics.input, [{ session: 's', n: 0, requestId: 'slow' }]);
  const failures: RecordFailure[] = [];
  const attemptsSeen: number[] = [];
  let lateEmit: Promise<unknown> | undefined;
  const output = (input: TestInput, attempt: number, n: number): TestOutput => ({
    ...input,
    n,
    startedAtMs: Date.now(),
    endedAtMs: Date.now(),
    attempt,
    worker: 'w',
    sourcePartition: 0,
    sourceOffset: '0',
  });
  // Writes its first output, then (ignoring its abort signal, as a stuck call would) runs past the timeout.
  const handler: StageHandler<TestInput, TestOutput> = {
    identify: (input) => ({ requestId: input.requestId, sessionId: input.session }),
    async handle(input, context) {
      attemptsSeen.push(context.attempt);
      await context.emit(output(input, context.attempt, 0));
      await sleep(800);
      lateEmit = context.emit(output(input, context.attempt, 1)).catch((error: unknown) => error);
      await lateEmit;
    },
  };
  const outputs = await collect(t, kafka, topics.output);
  const deadLetters = await collect(t, kafka, topics.deadLetter);
  await startWorker(t, kafka, topics, {
    handler,
    settings: { handlerTimeoutMs: 300, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } },
    onRecordFailure: (failure) => {
      failures.push(failure);
    },
  });
  await waitFor(() => failures.length > 0, { timeoutMs: 30_000, what: 'the failure report' });
  // Long enough for a second attempt (10 ms backoff) and the first attempt's late emit (800 ms) to show up.
  await sleep(2_000);

  assert.deepEqual(attemptsSeen, [1], 'the record was handled again while its first attempt still ran');
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.error.code, 'KPO_TIMEOUT');
  assert.deepEqual(
    outputs.records.map((o) => `${Number(o.value.n)}@${o.headers[HEADER.attempt]}`),
    ['0@1'],
    'only the output written before the timeout may be on the topic',
  );
  assert.equal(deadLetters.records.length, 1);
  assert.ok(lateEmit !== undefined, 'the handler never tried its late emit');
});

test('a record whose failure could not be reported is reported again and committed only once it was', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 1);
  await produceInputs(kafka, topics.input, [
    { session: 's', n: 0, requestId: 'bad', mode: 'fail' },
    { session: 's', n: 1, requestId: 'good' },
  ]);
  const calls: { atMs: number; committed: string | undefined }[] = [];
  const deadLetters = await collect(t, kafka, topics.deadLetter);
  await startWorker(t, kafka, topics, {
    handler: testHandler(),
    settings: { retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 50 } },
    // The client's terminal cannot be sent at first (the notifier's producer fails): twice, then it lands.
    onRecordFailure: async () => {
      calls.push({ atMs: Date.now(), committed: await committedOffset(kafka, topics) });
      if (calls.length <= 2) throw new Error('terminal notification failed');
    },
  });
  await waitForEverythingCommitted(kafka, topics, 'both records committed');

  assert.equal(calls.length, 3, 'a failed notification was not tried again');
  for (const call of calls) {
    assert.ok(
      call.committed === undefined || call.committed === '-1' || call.committed === '0',
      `the failed record was committed (offset ${call.committed}) before its client was told`,
    );
  }
  assert.equal(deadLetters.records.length, 1, 'the dead letter was written more than once');
});

test('a deadline that cannot be read dead-letters its record and the partition keeps committing', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 1);
  const inputs = inputsFor(1, 6);
  await produceInputs(kafka, topics.input, inputs);
  const echo = testHandler();
  const handler: StageHandler<TestInput, TestOutput> = {
    ...echo,
    deadlineOf: (input) => {
      if (input.n === 2) throw new Error('deadline field unreadable');
      return undefined;
    },
  };
  const failures: RecordFailure[] = [];
  const outputs = await collect(t, kafka, topics.output);
  const worker = await startWorker(t, kafka, topics, {
    handler,
    onRecordFailure: (failure) => {
      failures.push(failure);
    },
  });
  await waitForEverythingCommitted(kafka, topics, 'every record committed past the one whose deadline threw');

  assert.equal(outputs.records.length, inputs.length - 1);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.error.code, 'KPO_VALIDATION');
  assert.equal(worker.stats().inFlight, 0, 'the in-flight budget leaked');
});
