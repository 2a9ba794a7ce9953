/**
 * Proves the local services are real: an Avro record goes through the schema
 * registry and the broker in the Confluent wire format (magic 0, 4-byte schema
 * id, Avro body), and Redis stores and returns a value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { Kafka, logLevel } from 'kafkajs';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Redis } from 'ioredis';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { waitForTopicLeaders } from '../../../shared/kafka/wait-for-topic-leaders.ts';

const schema = {
  type: 'record',
  name: 'FoundationProbe',
  namespace: 'kpo.test',
  fields: [
    { name: 'sessionId', type: 'string' },
    { name: 'turn', type: 'int' },
  ],
} as const;

test('an Avro record produced through the registry is consumed back in the Confluent wire format', async (t) => {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  const topic = uniqueName('foundation');
  const registry = new SchemaRegistry({ host: schemaRegistryUrl });
  const { id } = await registry.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
    { subject: `${topic}-value` },
  );
  assert.ok(Number.isInteger(id) && id > 0, `registry returned schema id ${id}`);

  const kafka = new Kafka({
    clientId: 'foundation-test',
    brokers: [...kafkaBrokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  t.after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });
  // kafkajs' own leader wait gives up on UNKNOWN_TOPIC_OR_PARTITION right after creation.
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await waitForTopicLeaders(admin, [topic], 30_000);

  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  t.after(() => producer.disconnect());
  const value = await registry.encode(id, { sessionId: 's-1', turn: 3 });
  await producer.send({ topic, acks: -1, messages: [{ key: 's-1', value }] });

  const consumer = kafka.consumer({ groupId: uniqueName('foundation-group') });
  await consumer.connect();
  t.after(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  const received: Buffer[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.value) received.push(message.value);
    },
  });
  const bytes = await waitFor(() => received[0], { timeoutMs: 30_000, what: 'the record to come back' });

  assert.equal(bytes.readUInt8(0), 0, 'magic byte');
  assert.equal(bytes.readUInt32BE(1), id, 'schema id in bytes 1-4');
  const body = avro.Type.forSchema(schema as unknown as avro.Schema).fromBuffer(bytes.subarray(5)) as object;
  assert.deepEqual({ ...body }, { sessionId: 's-1', turn: 3 });
  assert.deepEqual({ ...((await registry.decode(bytes)) as object) }, { sessionId: 's-1', turn: 3 });
});

test('redis stores a value with a TTL and returns it', async (t) => {
  const { redisUrl } = serviceEndpoints();
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 5_000 });
  t.after(() => redis.quit());
  const key = uniqueName('kpo:test:foundation');
  await redis.set(key, 'hello', 'EX', 30);
  assert.equal(await redis.get(key), 'hello');
  const ttl = await redis.ttl(key);
  assert.ok(ttl > 0 && ttl <= 30, `ttl ${ttl}`);
  await redis.del(key);
  assert.equal(await redis.get(key), null);
});
