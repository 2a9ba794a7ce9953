import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StageHandler } from '../../../shared/runtime/stage-handler.ts';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import {
  deadLetterJsonCodec,
  testInputCodec,
  testOutputCodec,
  type TestInput,
  type TestOutput,
} from '../../fixtures/runtime/test-records.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, createTopics, inputsFor, kafkaClient, produceInputs } from './runtime-test-kit.ts';

const SESSION_TIMEOUT_MS = 6_000;

test('a handler running past the session timeout while the worker is paused keeps the membership: no re-delivery', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 1);
  await produceInputs(kafka, topics.input, inputsFor(1, 4));
  const starts: string[] = [];
  let paused = 0;
  const handler: StageHandler<TestInput, TestOutput> = {
    identify: (input) => ({ requestId: input.requestId, sessionId: input.session }),
    async handle(input, context) {
      starts.push(input.requestId);
      if (input.n === 0) await new Promise((resolve) => setTimeout(resolve, SESSION_TIMEOUT_MS + 1_500));
      await context.emit({
        ...input,
        startedAtMs: 0,
        endedAtMs: 0,
        attempt: context.attempt,
        worker: 'w',
        sourcePartition: context.source.partition,
        sourceOffset: context.source.offset,
      });
    },
  };
  const worker = new StageWorker({
    stage: 'long',
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    kafka,
    handler,
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    settings: {
      concurrency: 1,
      queueDepth: 2,
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
      handlerTimeoutMs: 60_000,
    },
    instrumentation: { onPaused: () => void (paused += 1) },
  });
  const outputs = await collect(t, kafka, topics.output);
  await worker.start();
  t.after(() => worker.stop());
  await waitFor(() => outputs.records.length >= 4, { timeoutMs: 30_000, what: '4 outputs' });
  await worker.stop();
  assert.ok(paused >= 1, 'the worker never paused');
  assert.deepEqual(
    starts,
    ['s0-0', 's0-1', 's0-2', 's0-3'],
    'a record was handled twice: the membership was lost',
  );
  assert.equal(outputs.records.length, 4);
});
