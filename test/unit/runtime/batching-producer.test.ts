import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { BatchingProducer } from '../../../shared/runtime/batching-producer.ts';
import { RecordingProducer } from './fake-ports.ts';

const record = (i: number) => ({ topic: 't', key: `k${i}`, value: Buffer.from(String(i)) });

test('records sent in the same turn go out in one request', async () => {
  const port = new RecordingProducer();
  const producer = new BatchingProducer(port, 100);
  await Promise.all([0, 1, 2].map((i) => producer.send(record(i))));
  assert.equal(port.requests.length, 1);
  assert.equal(port.requests[0]!.length, 3);
});

test('records sent while a request is in flight go out together after it, in maxBatch chunks', async () => {
  const port = new RecordingProducer();
  port.gated = true;
  const producer = new BatchingProducer(port, 2);
  const first = producer.send(record(0));
  await new Promise((resolve) => setImmediate(resolve));
  const rest = [1, 2, 3, 4, 5].map((i) => producer.send(record(i)));
  port.open();
  await Promise.all([first, ...rest]);
  assert.deepEqual(
    port.requests.map((r) => r.length),
    [1, 2, 2, 1],
  );
});

test('a failed request rejects each of its records with a KpoError, later ones still go out', async () => {
  const port = new RecordingProducer();
  port.failNext = 1;
  const producer = new BatchingProducer(port, 10);
  await assert.rejects(
    producer.send(record(0)),
    (e: unknown) => e instanceof KpoError && e.code === 'KPO_KAFKA',
  );
  await producer.send(record(1));
  assert.equal(port.requests.length, 2);
});

test('while held nothing is sent; on release records whose guard fails are refused', async () => {
  const port = new RecordingProducer();
  const producer = new BatchingProducer(port, 10);
  producer.hold();
  const guard = { active: true };
  const kept = producer.send(record(0));
  const dropped = producer.send(record(1), guard);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(port.requests.length, 0);
  guard.active = false;
  const refusal = assert.rejects(
    dropped,
    (e: unknown) => e instanceof KpoError && e.code === 'KPO_CANCELLED',
  );
  producer.release();
  await kept;
  await refusal;
  assert.deepEqual(
    port.records.map((r) => r.key),
    ['k0'],
  );
});

test('a topic whose request hangs holds back only its own records, not those of other topics (defect 7)', async () => {
  const port = new RecordingProducer();
  port.gated = true;
  const producer = new BatchingProducer(port, 10);
  // The first request (to the reply-to topic that cannot be written) never comes back while gated.
  const stuck = producer.send({ topic: 'deleted-reply-to', key: 'k', value: Buffer.from('x') });
  await new Promise((resolve) => setImmediate(resolve));
  port.gated = false;
  const others = [0, 1, 2].map((i) => producer.send(record(i)));
  const settled = await Promise.race([
    Promise.all(others).then(() => 'sent'),
    new Promise((resolve) => setTimeout(() => resolve('held back'), 500)),
  ]);
  assert.equal(settled, 'sent');
  assert.deepEqual(
    port.requests.map((r) => r.map((x) => x.topic)),
    [['deleted-reply-to'], ['t', 't', 't']],
  );
  port.open();
  await stuck;
});
