/**
 * Our Avro records go through the real broker and come back in the
 * Confluent wire format: magic byte 0, the registry id, the Avro body.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { MESSAGE_KINDS, MESSAGE_NAMES } from '../../../shared/messages/message-schemas.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import type { RecordCodec } from '../../../shared/serde/record-codec.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { sampleMessages } from '../../unit/serde/sample-messages.ts';
import { waitForTopicLeaders } from '../../../shared/kafka/wait-for-topic-leaders.ts';

test('every kind, produced to Kafka and consumed back, is in the Confluent wire format and decodes equal', async (t) => {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  const codecs = await createMessageCodecs({ schemaRegistryUrl });
  const kafka = new Kafka({
    clientId: 'kpo-serde-test',
    brokers: [...kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('serde-wire');
  const admin = kafka.admin();
  await admin.connect();
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  // kafkajs' own leader wait gives up on UNKNOWN_TOPIC_OR_PARTITION right after creation.
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await waitForTopicLeaders(admin, [topic], 30_000);

  const samples = sampleMessages();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  t.after(() => producer.disconnect());
  const messages = await Promise.all(
    MESSAGE_KINDS.map(async (kind) => ({
      key: 'session-1',
      value: await (codecs[kind] as RecordCodec<unknown>).encode(samples[kind]),
      headers: { 'kpo-kind': kind },
    })),
  );
  await producer.send({ topic, acks: -1, messages });

  const received: { kind: string; value: Buffer }[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('serde-wire-group') });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) received.push({ kind: String(message.headers?.['kpo-kind']), value: message.value });
    },
  });
  await waitFor(() => received.length >= MESSAGE_KINDS.length, {
    timeoutMs: 30_000,
    what: 'every record back',
  });

  assert.deepEqual(
    received.map((record) => record.kind),
    [...MESSAGE_KINDS],
  );
  for (const { kind, value } of received) {
    const typedKind = kind as (typeof MESSAGE_KINDS)[number];
    assert.equal(value[0], 0, `${kind}: magic byte`);
    assert.equal(value.readUInt32BE(1), codecs.writerIds.get(MESSAGE_NAMES[typedKind]), `${kind}: schema id`);
    assert.deepStrictEqual(
      await (codecs[typedKind] as RecordCodec<unknown>).decode(value),
      samples[typedKind],
    );
  }
});
