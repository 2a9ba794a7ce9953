/** What the Kafka-level benches (hop, rebalance-pause) share: brokers, client libraries, pass-through codecs. */
import { readFileSync } from 'node:fs';
import { stackKafkaBrokers, type StackEndpoints } from '../shared/config/stack-endpoints.ts';
import { librdkafkaInstalled } from '../shared/kafka/confluent/librdkafka-binding.ts';
import type { KafkaClientName } from '../shared/kafka/kafka-client-name.ts';
import type { KafkaClientPort } from '../shared/kafka/kafka-port.ts';
import type { DeadLetter } from '../shared/messages/types.ts';
import type { RecordCodec } from '../shared/serde/record-codec.ts';

/** KAFKA_BROKERS, else the local stack's broker. */
export function benchBrokers(): string[] {
  if (process.env.KAFKA_BROKERS) return process.env.KAFKA_BROKERS.split(',');
  const endpoints = JSON.parse(
    readFileSync(new URL('../.kpo/endpoints.json', import.meta.url), 'utf8'),
  ) as StackEndpoints;
  return [...stackKafkaBrokers(endpoints)];
}

/** CLIENTS (comma-separated), else both libraries where the librdkafka client is installed, else kafkajs. */
export function benchClients(): KafkaClientName[] {
  return (process.env.CLIENTS?.split(',') ??
    (librdkafkaInstalled() ? ['kafkajs', 'confluent'] : ['kafkajs'])) as KafkaClientName[];
}

/** Values pass through as bytes: neither side pays codec work. */
export const bytesCodec: RecordCodec<Buffer> = {
  messageName: 'bench.Bytes',
  decode: async (value) => value,
  encode: async (value) => value,
};

/** Dead letters as JSON without the original bytes (benches write none unless something breaks). */
export const deadLetterJsonCodec: RecordCodec<DeadLetter> = {
  messageName: 'kpo.v1.DeadLetter',
  encode: async (letter) =>
    Buffer.from(JSON.stringify({ ...letter, originalValue: null, originalKey: null })),
  decode: async () => {
    throw new Error('not used');
  },
};

/** A stage's input, output and dead-letter topics for one bench run, with a connected admin and producer. */
export async function benchStageTopics(kafka: KafkaClientPort, base: string, partitions: number) {
  const input = `${base}.in`;
  const output = `${base}.out`;
  const topics = [input, output, `${input}.dlq`];
  const admin = kafka.createAdmin();
  await admin.connect();
  await admin.createTopics(topics.map((topic) => ({ topic, partitions })));
  const producer = kafka.createProducer();
  await producer.connect();
  return {
    input,
    output,
    admin,
    producer,
    /** Closes the producer, deletes the topics and these groups, closes the admin. */
    async remove(groups: readonly string[]): Promise<void> {
      await producer.close();
      await admin.deleteTopics(topics).catch(() => undefined);
      await admin.deleteGroups(groups).catch(() => undefined);
      await admin.close();
    },
  };
}
