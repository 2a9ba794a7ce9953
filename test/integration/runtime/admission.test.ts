/**
 * Admission (reject-new) on real Kafka: the request backlog probe reads what a
 * later stage still holds from its consumer group's lag, and a first stage
 * whose own backlog is small still rejects new requests while that downstream
 * backlog is over its admission limit, then admits again once it drains.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestBacklogProbe } from '../../../shared/runtime/request-backlog-probe.ts';
import type { RecordFailure } from '../../../shared/runtime/stage-handler.ts';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import {
  collect,
  createTopics,
  inputsFor,
  kafkaClient,
  produceInputs,
  testWorkerOptions,
} from './runtime-test-kit.ts';

const quietLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

test('the backlog probe counts what a downstream group has not completed, and drops as that group catches up', async (t) => {
  const kafka = kafkaClient();
  const downstream = await createTopics(t, kafka, 3);
  await produceInputs(kafka, downstream.input, inputsFor(5, 4, 'd'));
  const probe = new RequestBacklogProbe(
    kafka.createAdmin(),
    [{ groupId: downstream.group, topic: downstream.input }],
    50,
    quietLogger,
  );
  await probe.start();
  t.after(() => probe.stop());
  await waitFor(() => probe.backlog === 20, {
    timeoutMs: 10_000,
    what: 'a backlog of the 20 records nobody consumed',
  });

  const worker = new StageWorker({
    ...testWorkerOptions('downstream', downstream, kafka),
    commitIntervalMs: 20,
  });
  await worker.start();
  t.after(() => worker.stop());
  await waitFor(() => probe.backlog === 0, {
    timeoutMs: 30_000,
    what: 'the backlog to drain once the group commits',
  });
  // Stopped here, before the topics are deleted: an admin call on a deleted topic retries for minutes.
  await probe.stop();
  await worker.stop();
});

test('a first stage rejects new requests while the downstream backlog is over its admission limit, then admits again', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 2);
  let downstreamBacklog = 50;
  const failures: RecordFailure[] = [];
  const worker = new StageWorker({
    ...testWorkerOptions('entry', topics, kafka),
    settings: { admissionLimit: 10 },
    admissionBacklog: () => downstreamBacklog,
    onRecordFailure: (failure) => {
      failures.push(failure);
    },
  });
  const outputs = await collect(t, kafka, topics.output);
  await worker.start();
  t.after(() => worker.stop());

  await produceInputs(kafka, topics.input, inputsFor(3, 1, 'busy'));
  await waitFor(() => failures.length === 3, { timeoutMs: 30_000, what: 'three rejections' });
  assert.ok(failures.every((f) => f.outcome === 'rejected'));
  assert.equal(outputs.records.length, 0, 'nothing was admitted while the pipeline was full');

  downstreamBacklog = 0;
  await produceInputs(kafka, topics.input, inputsFor(3, 1, 'calm'));
  await waitFor(() => outputs.records.length === 3, { timeoutMs: 30_000, what: 'three admitted outputs' });
  assert.equal(failures.length, 3, 'no rejection once the backlog drained');
  await worker.stop(); // before the topics are deleted (its commits would retry against missing partitions)
});
