/**
 * Reads every record of a topic from the beginning (a throwaway consumer
 * group), decoding each value, until `expected` records arrived or the
 * timeout passes.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import type { RecordCodec } from '../../shared/serde/record-codec.ts';
import { waitFor } from './wait-for.ts';

export async function readTopic<T>(
  kafka: KafkaClientPort,
  topic: string,
  codec: RecordCodec<T>,
  options: { readonly expected: number; readonly timeoutMs: number },
): Promise<T[]> {
  const values: T[] = [];
  const consumer = kafka.createConsumer({ groupId: `read-${randomUUID()}`, maxWaitTimeMs: 100 });
  await consumer.subscribe([topic], { fromBeginning: true });
  await consumer.run({
    onBatch: async (batch) => {
      for (const record of batch.records) if (record.value) values.push(await codec.decode(record.value));
      return batch.records.length;
    },
  });
  try {
    await waitFor(() => values.length >= options.expected, {
      timeoutMs: options.timeoutMs,
      what: `${options.expected} records on ${topic} (got ${values.length})`,
    });
    return values;
  } finally {
    await consumer.close();
  }
}
