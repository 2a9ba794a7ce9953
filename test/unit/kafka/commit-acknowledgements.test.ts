/**
 * CommitAcknowledgements: the librdkafka adapter's commit() settles on the
 * group coordinator's answer (offset_commit_cb), not when the commit is queued.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { CommitAcknowledgements } from '../../../shared/kafka/confluent/commit-acknowledgements.ts';
import type { LibrdkafkaError } from '../../../shared/kafka/confluent/librdkafka-binding.ts';

const at = (partition: number, offset: string) => ({ topic: 't', partition, offset });
const stored = (partition: number, offset: number) => ({ topic: 't', partition, offset });

/** Whether the promise settled by the next macrotask, and how. */
async function stateOf(promise: Promise<void>): Promise<'pending' | 'resolved' | 'rejected'> {
  const outcome = promise.then(
    () => 'resolved' as const,
    () => 'rejected' as const,
  );
  return Promise.race([outcome, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

test('a commit stays pending until the coordinator stored its offsets, then resolves', async () => {
  const acks = new CommitAcknowledgements(30_000);
  const commit = acks.expect([at(0, '20'), at(1, '7')]);
  assert.equal(await stateOf(commit), 'pending');
  acks.onCommitted(undefined, [stored(1, 7), stored(0, 20)]);
  assert.equal(await stateOf(commit), 'resolved');
});

test('each answer settles the commit of the same offsets, whatever the order of two commits in flight', async () => {
  const acks = new CommitAcknowledgements(30_000);
  const first = acks.expect([at(0, '5')]);
  const second = acks.expect([at(0, '9')]);
  acks.onCommitted(undefined, [stored(0, 9)]);
  assert.equal(await stateOf(second), 'resolved');
  assert.equal(await stateOf(first), 'pending');
  acks.onCommitted(undefined, [stored(0, 5)]);
  assert.equal(await stateOf(first), 'resolved');
});

test("the coordinator's error rejects the commit with KPO_KAFKA; so does a failed partition", async () => {
  const acks = new CommitAcknowledgements(30_000);
  const refused = acks.expect([at(0, '3')]);
  const groupError = Object.assign(new Error('Broker: Specified group generation id is not valid'), {
    code: 22,
  }) as LibrdkafkaError;
  acks.onCommitted(groupError, [stored(0, 3)]);
  await assert.rejects(refused, (error: unknown) => error instanceof KpoError && error.code === 'KPO_KAFKA');
  const partial = acks.expect([at(0, '4')]);
  acks.onCommitted(undefined, [new Error('Broker: Unknown topic or partition')]);
  await assert.rejects(partial, /commit failed: Broker: Unknown topic or partition/);
});

test('no answer within the timeout rejects the commit; closing rejects what is still waiting', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const acks = new CommitAcknowledgements(1_000);
  const unanswered = acks.expect([at(0, '1')]);
  t.mock.timers.tick(1_000);
  await assert.rejects(unanswered, /no answer from the group coordinator within 1000 ms/);
  const waiting = acks.expect([at(0, '2')]);
  acks.failAll(new Error('the consumer closed'));
  await assert.rejects(waiting, /the consumer closed/);
});

test('a commit refused before it was queued is abandoned: a later answer for other offsets is not taken as its', async () => {
  const acks = new CommitAcknowledgements(30_000);
  const refused = acks.expect([at(0, '8')]);
  acks.abandon([at(0, '8')], new Error('Local: Erroneous state'));
  await assert.rejects(refused, /Erroneous state/);
  const next = acks.expect([at(0, '9')]);
  acks.onCommitted(undefined, [stored(0, 9)]);
  assert.equal(await stateOf(next), 'resolved');
});
