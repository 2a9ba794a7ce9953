import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, createTopics, inputsFor, kafkaClient, produceInputs } from './runtime-test-kit.ts';
import { spawnWorker } from './worker-child.ts';

const GRACE_MS = 8_000;

test('SIGTERM mid-run finishes and commits in-flight records and exits 0 within the grace period', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 3);
  await produceInputs(kafka, topics.input, inputsFor(40, 50));
  const outputs = await collect(t, kafka, topics.output);
  const child = spawnWorker(t, {
    IN: topics.input,
    OUT: topics.output,
    GROUP: topics.group,
    DELAY_MS: '100',
    CONCURRENCY: '16',
    QUEUE_DEPTH: '64',
    GRACE_MS: String(GRACE_MS),
  });
  await waitFor(() => outputs.records.length >= 100, {
    timeoutMs: 30_000,
    what: `100 outputs (stderr: ${child.stderr()})`,
  });
  const signalledAt = Date.now();
  child.process.kill('SIGTERM');
  const { code } = await child.exited;
  const tookMs = Date.now() - signalledAt;
  assert.equal(code, 0, `exit code ${code} (stderr: ${child.stderr()})`);
  assert.ok(tookMs < GRACE_MS + 5_000, `exit took ${tookMs} ms, grace is ${GRACE_MS} ms`);
  const states = child.events.filter((e) => e.event === 'state').map((e) => e.state);
  assert.deepEqual(states.slice(-2), ['draining', 'stopped']);

  const started = new Set(child.events.filter((e) => e.event === 'start').map((e) => e.requestId));
  const ended = new Set(child.events.filter((e) => e.event === 'end').map((e) => e.requestId));
  assert.ok(started.size > 0);
  for (const requestId of started)
    assert.ok(ended.has(requestId), `${String(requestId)} started but never finished`);

  // Everything the worker handled is committed, and nothing beyond it: committed offset = outputs of that partition.
  await waitFor(() => outputs.records.length >= ended.size, {
    timeoutMs: 10_000,
    what: 'outputs of every handled record',
  });
  const admin = kafka.createAdmin();
  await admin.connect();
  t.after(() => admin.close());
  const committed = await admin.groupOffsets(topics.group, topics.input);
  for (const { partition, offset } of committed) {
    const handled = outputs.records
      .filter((o) => o.value.sourcePartition === partition)
      .map((o) => Number(o.value.sourceOffset))
      .sort((a, b) => a - b);
    assert.equal(new Set(handled).size, handled.length, `partition ${partition} has repeats`);
    assert.deepEqual(
      handled,
      Array.from({ length: Number(offset === '-1' ? 0 : offset) }, (_, i) => i),
      `partition ${partition}: committed ${offset} does not match the handled records`,
    );
  }
  t.diagnostic(`stopped ${tookMs} ms after SIGTERM with ${ended.size} records handled`);
});
