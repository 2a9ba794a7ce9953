import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, createTopics, inputsFor, kafkaClient, produceInputs } from './runtime-test-kit.ts';
import { spawnWorker } from './worker-child.ts';

const TOTAL = 5_000;
const QUEUE_DEPTH = 512;

test('a worker killed with SIGKILL mid-run and restarted loses nothing and repeats only in-flight records', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 3);
  await produceInputs(kafka, topics.input, inputsFor(100, TOTAL / 100));
  const outputs = await collect(t, kafka, topics.output);
  const env = {
    IN: topics.input,
    OUT: topics.output,
    GROUP: topics.group,
    DELAY_MS: '1',
    CONCURRENCY: '16',
    QUEUE_DEPTH: String(QUEUE_DEPTH),
  };
  const first = spawnWorker(t, { ...env, WORKER: 'first' });
  const killAt = randomInt(300, TOTAL - 1_000);
  t.diagnostic(`killing after ${killAt} outputs`);
  await waitFor(() => outputs.records.length >= killAt || first.has('state', 'state', 'failed'), {
    timeoutMs: 60_000,
    what: `${killAt} outputs before the kill (stderr: ${first.stderr()})`,
  });
  first.process.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');

  const admin = kafka.createAdmin();
  await admin.connect();
  t.after(() => admin.close());
  const committedAtKill = new Map(
    (await admin.groupOffsets(topics.group, topics.input)).map((p) => [p.partition, BigInt(p.offset)]),
  );

  const second = spawnWorker(t, { ...env, WORKER: 'second' });
  await waitFor(() => new Set(outputs.records.map((o) => o.value.requestId)).size >= TOTAL, {
    timeoutMs: 60_000,
    what: `an output for each of ${TOTAL} inputs (stderr: ${second.stderr()})`,
  });
  // Wait until the restarted worker committed everything, so late repeats would have shown up.
  await waitFor(
    async () => {
      const committed = await admin.groupOffsets(topics.group, topics.input);
      const high = await admin.topicOffsets(topics.input);
      return high.every((h) => committed.find((c) => c.partition === h.partition)?.offset === h.high);
    },
    { timeoutMs: 30_000, what: 'the restarted worker to commit every input' },
  );

  const byRequest = new Map<string, typeof outputs.records>();
  for (const output of outputs.records) {
    const id = String(output.value.requestId);
    byRequest.set(id, [...(byRequest.get(id) ?? []), output]);
  }
  assert.equal(byRequest.size, TOTAL, 'some inputs have no output');
  let repeats = 0;
  for (const [requestId, list] of byRequest) {
    if (list.length === 1) continue;
    repeats += list.length - 1;
    assert.equal(
      new Set(list.map((o) => o.identity)).size,
      1,
      `repeats of ${requestId} differ in de-dup identity`,
    );
    const { sourcePartition, sourceOffset } = list[0]!.value;
    const committed = committedAtKill.get(Number(sourcePartition)) ?? -1n;
    assert.ok(
      BigInt(String(sourceOffset)) >= committed,
      `${requestId} (offset ${String(sourceOffset)}) was committed at the kill (${committed}) yet repeated`,
    );
  }
  assert.ok(repeats <= QUEUE_DEPTH, `${repeats} repeats: more than the in-flight budget`);
  t.diagnostic(`repeats after the kill: ${repeats}`);
});
