/**
 * A plain kafkajs consume→produce pass-through with no runtime around it:
 * eachBatch, one idempotent acks=all send of the whole batch, auto-commit.
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
      await producer.send({
        topic: options.outputTopic,
        acks: -1,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers ?? {} })),
      });
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
