import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KafkaClientPort } from '../../../shared/kafka/kafka-port.ts';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
} from '../../fixtures/runtime/test-records.ts';
import type { TestInput, TestOutput } from '../../fixtures/runtime/test-records.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  collect,
  createTopics,
  firstSeenOrder,
  kafkaClient,
  produceInputs,
  type Topics,
} from './runtime-test-kit.ts';

const SESSIONS = 60;
const PER_SESSION = 50;
const TOTAL = SESSIONS * PER_SESSION;

function worker(kafka: KafkaClientPort, topics: Topics, name: string): StageWorker<TestInput, TestOutput> {
  return new StageWorker({
    stage: 'rebalance',
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    kafka,
    handler: testHandler({ delayMs: 4, worker: name }),
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    settings: { concurrency: 6, queueDepth: 64, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500 },
  });
}

/** Records n in [from, to) of every session, in round-robin order. */
function part(from: number, to: number): TestInput[] {
  const inputs: TestInput[] = [];
  for (let n = from; n < to; n += 1) {
    for (let s = 0; s < SESSIONS; s += 1) inputs.push({ session: `s${s}`, n, requestId: `s${s}-${n}` });
  }
  return inputs;
}

test('a second worker joining mid-run and then leaving loses nothing and keeps per-session order', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 6);
  const outputs = await collect(t, kafka, topics.output);
  const first = worker(kafka, topics, 'first');
  const second = worker(kafka, topics, 'second');
  t.after(() => Promise.all([first.stop(), second.stop()]));
  const third = Math.floor(PER_SESSION / 3);
  await produceInputs(kafka, topics.input, part(0, third));
  await first.start();
  await waitFor(() => outputs.records.length >= SESSIONS * 3, { timeoutMs: 60_000, what: 'first outputs' });
  await second.start();
  await produceInputs(kafka, topics.input, part(third, 2 * third));
  await waitFor(() => outputs.records.filter((o) => o.value.worker === 'second').length >= SESSIONS * 5, {
    timeoutMs: 60_000,
    what: 'the second worker to produce',
  });
  await second.stop();
  const afterLeave = outputs.records.length;
  await produceInputs(kafka, topics.input, part(2 * third, PER_SESSION));
  await waitFor(() => new Set(outputs.records.map((o) => o.value.requestId)).size >= TOTAL, {
    timeoutMs: 60_000,
    what: `an output for each of ${TOTAL} inputs`,
  });
  await first.stop();

  const order = firstSeenOrder(outputs.records);
  assert.equal(order.size, SESSIONS);
  for (const [session, ns] of order) {
    assert.deepEqual(
      ns,
      Array.from({ length: PER_SESSION }, (_, i) => i),
      `session ${session} out of order`,
    );
  }
  const byWorker = new Map<string, number>();
  for (const o of outputs.records)
    byWorker.set(String(o.value.worker), (byWorker.get(String(o.value.worker)) ?? 0) + 1);
  assert.ok((byWorker.get('second') ?? 0) > 0, 'the second worker handled nothing');
  assert.ok(
    outputs.records.slice(afterLeave).some((o) => o.value.worker === 'first'),
    'the first worker handled nothing after the second left',
  );
  const repeats = outputs.records.length - new Set(outputs.records.map((o) => o.identity)).size;
  t.diagnostic(`outputs by worker: ${JSON.stringify(Object.fromEntries(byWorker))}, repeats: ${repeats}`);
});
