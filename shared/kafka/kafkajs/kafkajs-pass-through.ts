/**
 * A plain kafkajs consume→produce pass-through with no runtime around it: the
 * baseline bench/hop.ts compares StageWorker against (kept here so kafkajs
 * stays imported only under shared/kafka).
 *
 * What it does per fetched batch (eachBatch): for every message, forward key
 * and value bytes unchanged and write the message's own headers plus the
 * de-dup identity headers every hop of this project writes (kpo-request-id
 * from `requestIdOf(value)`, kpo-seq "0", kpo-attempt "1", kpo-stage), then
 * send the batch in chunks of maxSendRecords with the same producer settings
 * as the runtime's adapter (idempotent, acks=all, one request in flight,
 * murmur2 partitioner), awaiting each chunk; offsets auto-committed by
 * kafkajs after each batch.
 */
import kafkajs from 'kafkajs';
import type { IHeaders } from 'kafkajs';
import { HEADER } from '../../messages/header-names.ts';
import { kafkajsLogLevel } from './kafkajs-logger.ts';

export interface PassThrough {
  stop(): Promise<void>;
}

export interface PassThroughOptions {
  readonly brokers: readonly string[];
  readonly groupId: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  /** The kpo-stage header value. */
  readonly stage: string;
  /** The kpo-request-id header value of a message. */
  readonly requestIdOf: (value: Buffer | null) => string;
  readonly maxWaitTimeMs?: number;
  /** Default 1000 (a whole 1 MiB fetch in one request can exceed the broker's batch size limit). */
  readonly maxSendRecords?: number;
}

export async function startKafkajsPassThrough(options: PassThroughOptions): Promise<PassThrough> {
  const kafka = new kafkajs.Kafka({
    clientId: 'kpo-raw-pass-through',
    brokers: [...options.brokers],
    logLevel: kafkajsLogLevel('nothing'),
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 200,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: options.inputTopic, fromBeginning: true });
  const chunk = options.maxSendRecords ?? 1_000;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (let i = 0; i < batch.messages.length; i += chunk) {
        await producer.send({
          topic: options.outputTopic,
          acks: -1,
          messages: batch.messages.slice(i, i + chunk).map((m) => {
            const headers: IHeaders = {
              ...m.headers,
              [HEADER.requestId]: options.requestIdOf(m.value),
              [HEADER.seq]: '0',
              [HEADER.attempt]: '1',
              [HEADER.producedBy]: options.stage,
            };
            return { key: m.key, value: m.value, headers };
          }),
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
