/**
 * A plain kafkajs consume→produce pass-through with no runtime around it:
 * eachBatch, idempotent acks=all sends of the batch in chunks of maxSendRecords (a whole 1 MiB
 * fetch in one request can exceed the broker's batch size limit), auto-commit.
 * It exists as the baseline bench/hop.ts compares StageWorker against (kept
 * here so kafkajs stays imported only under shared/kafka).
 */
import kafkajs from 'kafkajs';
import { kafkajsLogLevel } from './kafkajs-logger.ts';

export interface PassThrough {
  stop(): Promise<void>;
}

export async function startKafkajsPassThrough(options: {
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly maxWaitTimeMs?: number;
  /** Default 1000. */
  readonly maxSendRecords?: number;
}): Promise<PassThrough> {
  const kafka = new kafkajs.Kafka({
    clientId: 'kpo-raw-pass-through',
    brokers: [...options.brokers],
    logLevel: kafkajsLogLevel('nothing'),
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 200,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: options.inputTopic, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const chunk = options.maxSendRecords ?? 1_000;
      for (let i = 0; i < batch.messages.length; i += chunk) {
        await producer.send({
          topic: options.outputTopic,
          acks: -1,
          messages: batch.messages
            .slice(i, i + chunk)
            .map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
        });
      }
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
