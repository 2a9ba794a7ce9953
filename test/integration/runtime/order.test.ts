import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
} from '../../fixtures/runtime/test-records.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, createTopics, inputsFor, kafkaClient, produceInputs } from './runtime-test-kit.ts';

const SESSIONS = 50;
const PER_SESSION = 40;

test('records of one session are handled one at a time in offset order while sessions overlap', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 3);
  const running = new Map<string, number>();
  let maxSameSession = 0;
  let active = 0;
  let maxActive = 0;
  const worker = new StageWorker({
    stage: 'order',
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    kafka,
    handler: testHandler({
      delayMs: 2,
      onStart: (input) => {
        const now = (running.get(input.session) ?? 0) + 1;
        running.set(input.session, now);
        maxSameSession = Math.max(maxSameSession, now);
        active += 1;
        maxActive = Math.max(maxActive, active);
      },
      onEnd: (input) => {
        running.set(input.session, (running.get(input.session) ?? 1) - 1);
        active -= 1;
      },
    }),
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    settings: { concurrency: 16, queueDepth: 512 },
  });
  await produceInputs(kafka, topics.input, inputsFor(SESSIONS, PER_SESSION));
  const outputs = await collect(t, kafka, topics.output);
  await worker.start();
  t.after(() => worker.stop());
  await waitFor(() => outputs.records.length >= SESSIONS * PER_SESSION, {
    timeoutMs: 60_000,
    what: `${SESSIONS * PER_SESSION} outputs`,
  });
  await worker.stop();

  const bySession = new Map<string, { n: number; start: number; end: number }[]>();
  for (const { value } of outputs.records) {
    const list = bySession.get(String(value.session)) ?? [];
    list.push({ n: Number(value.n), start: Number(value.startedAtMs), end: Number(value.endedAtMs) });
    bySession.set(String(value.session), list);
  }
  assert.equal(bySession.size, SESSIONS);
  for (const [session, list] of bySession) {
    assert.deepEqual(
      list.map((o) => o.n),
      Array.from({ length: PER_SESSION }, (_, i) => i),
      `session ${session} out of order`,
    );
  }
  assert.equal(maxSameSession, 1, 'two records of one session ran at the same time');
  assert.ok(maxActive > 1, `records of different sessions never overlapped (max concurrent ${maxActive})`);
  assert.ok(maxActive <= 16, `concurrency limit exceeded: ${maxActive}`);
  t.diagnostic(`max concurrent handlers across sessions: ${maxActive}`);
});
