/**
 * The stream stage's outbox check on a real topic: which saved events of a
 * request a dead worker got onto its output partition, found by reading the
 * partition backwards from its end among other requests' events.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { HEADER } from '../../../shared/messages/header-names.ts';
import { defaultWorkerLogger } from '../../../shared/runtime/worker-logger.ts';
import { KafkaSentEventsLookup } from '../../../workers/stream/kafka-sent-events-lookup.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { testAdmin } from '../../helpers/test-admin.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

test('finds the last saved event a worker got onto the output partition, among other requests', async (t) => {
  const kafka = createKafkaClient({ brokers: [...serviceEndpoints().kafkaBrokers], logLevel: 'nothing' });
  const admin = await testAdmin(t);
  const topic = uniqueName('sent-lookup');
  await admin.createTopics([{ topic, partitions: 3 }]);
  const producer = kafka.createProducer();
  await producer.connect();
  t.after(() => producer.close());
  const event = (requestId: string, seq: number) => ({
    topic,
    key: 'session-a',
    value: Buffer.from(`${requestId}/${seq}`),
    headers: { [HEADER.requestId]: requestId, [HEADER.seq]: String(seq) },
  });
  const startedAtMs = Date.now();
  // r1 sent 0..4; r2 sent 0..1; r3 nothing. Other requests' events in between and after.
  await producer.send([event('r1', 0), event('r1', 1), event('r2', 0), event('r1', 2), event('r1', 3)]);
  await producer.send([event('r2', 1), event('r1', 4)]);
  await producer.send(Array.from({ length: 10 }, (_, i) => event(`other-${i}`, 0)));

  // Small windows: the answers need several steps back.
  const lookup = new KafkaSentEventsLookup(kafka, defaultWorkerLogger('stream'), { windowRecords: 4 });
  t.after(() => lookup.close());
  const ask = (requestId: string, fromSeq: number, toSeq: number, sinceMs = startedAtMs) =>
    lookup.highestSent({ topic, key: 'session-a', requestId, fromSeq, toSeq, sinceMs });

  assert.equal(await ask('r1', 3, 4), 4, 'both saved events are on the topic');
  assert.equal(await ask('r1', 4, 6), 4, 'the first of three went out, then the worker died');
  assert.equal(await ask('r1', 5, 5), 4, 'not sent: the event before it is the request’s last');
  assert.equal(await ask('r2', 2, 3), 1, 'not sent');
  assert.equal(
    await ask('r3', 0, 1, Date.now() + 60_000),
    -1,
    'nothing sent, and older records end the search',
  );
  assert.equal(await ask('r3', 0, 1), -1, 'nothing sent: the search ends at the start of the partition');
  assert.equal(await ask('r1', 4, 4), 4, 'the reader is reused');
  await admin.deleteTopics([topic]);
});
