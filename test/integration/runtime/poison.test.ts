import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HEADER } from '../../../shared/messages/header-names.ts';
import type { RecordFailure } from '../../../shared/runtime/stage-handler.ts';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, createTopics, kafkaClient, testWorkerOptions } from './runtime-test-kit.ts';

test('undecodable records and always-failing inputs land on the dead-letter topic with reasons while good records flow', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 2);
  const producer = kafka.createProducer();
  await producer.connect();
  t.after(() => producer.close());
  const records = [];
  const expected = { good: 0, flaky: 0, undecodable: 0, failing: 0 };
  for (let i = 0; i < 200; i += 1) {
    const session = `s${i % 10}`;
    const kind = i % 10 === 3 ? 'undecodable' : i % 10 === 7 ? 'failing' : i % 10 === 5 ? 'flaky' : 'good';
    expected[kind] += 1;
    const value =
      kind === 'undecodable'
        ? Buffer.from([0xde, 0xad, 0xbe, 0xef, i & 0xff])
        : Buffer.from(
            JSON.stringify({
              session,
              n: i,
              requestId: `r${i}`,
              ...(kind === 'failing' ? { mode: 'fail' } : kind === 'flaky' ? { mode: 'flaky' } : {}),
            }),
          );
    records.push({ topic: topics.input, key: session, value, headers: { 'x-origin': `test-${i}` } });
  }
  await producer.send(records);
  const failures: RecordFailure[] = [];
  const worker = new StageWorker({
    ...testWorkerOptions('poison', topics, kafka),
    settings: { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } },
    onRecordFailure: (failure) => {
      failures.push(failure);
    },
  });
  const outputs = await collect(t, kafka, topics.output);
  const deadLetters = await collect(t, kafka, topics.deadLetter);
  await worker.start();
  t.after(() => worker.stop());
  const bad = expected.undecodable + expected.failing;
  await waitFor(
    () => outputs.records.length >= expected.good + expected.flaky && deadLetters.records.length >= bad,
    {
      timeoutMs: 30_000,
      what: 'every good output and every dead letter',
    },
  );
  await worker.stop();

  assert.equal(outputs.records.length, expected.good + expected.flaky);
  const flakyOutputs = outputs.records.filter((o) => o.headers[HEADER.attempt] === '2');
  assert.equal(flakyOutputs.length, expected.flaky, 'retryable failures were not retried to success');
  assert.equal(deadLetters.records.length, bad);
  const codes = deadLetters.records.map((d) => d.headers[HEADER.dlqErrorCode]);
  assert.equal(codes.filter((c) => c === 'KPO_DECODE_BODY').length, expected.undecodable);
  assert.equal(codes.filter((c) => c === 'KPO_HANDLER').length, expected.failing);
  for (const letter of deadLetters.records) {
    assert.equal(letter.headers[HEADER.dlqStage], 'poison');
    assert.equal(letter.headers[HEADER.dlqSourceTopic], topics.input);
    assert.ok((letter.headers[HEADER.dlqReason] ?? '').length > 0, 'dead letter without a reason');
    assert.match(letter.headers['x-origin'] ?? '', /^test-\d+$/, 'original headers not kept');
    assert.equal(letter.value.sourceTopic, topics.input);
    assert.equal(String(letter.value.sourceOffset), letter.headers[HEADER.dlqSourceOffset]);
    assert.ok(letter.value.originalValue !== null, 'original bytes not kept');
  }
  assert.equal(failures.length, bad);
  assert.ok(failures.every((f) => f.outcome === 'failed'));
  assert.equal(failures.filter((f) => f.requestId !== undefined).length, expected.failing);
});
