/**
 * Baseline (b): five plain kafkajs consume→produce pass-throughs in a row
 * (shared/kafka/kafkajs/kafkajs-pass-through.ts), on the same broker, with
 * records of the size of an encoded PromptRequest and the same headers. Time
 * from send to the record at the end of the chain is the floor for five hops.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import {
  startKafkajsPassThrough,
  type PassThrough,
} from '../../shared/kafka/kafkajs/kafkajs-pass-through.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import { BatchingProducer } from '../../shared/runtime/batching-producer.ts';
import type { RequestOutcome } from './request-outcome.ts';

const HOPS = 5;
const ID_BYTES = 40;

export class RawChainPath {
  private readonly base = `bench-chain-${randomUUID().slice(0, 8)}`;
  private readonly topics = Array.from({ length: HOPS + 1 }, (_, i) => `${this.base}.${i}`);
  private readonly hops: PassThrough[] = [];
  private readonly waiting = new Map<string, { sentAt: number; resolve: (o: RequestOutcome) => void }>();
  private readonly producer;
  private readonly batching;
  private readonly consumer;

  constructor(
    private readonly kafka: KafkaClientPort,
    private readonly brokers: readonly string[],
    private readonly partitions: number,
    private readonly valueBytes: number,
  ) {
    this.producer = kafka.createProducer();
    this.batching = new BatchingProducer(this.producer, 500);
    this.consumer = kafka.createConsumer({ groupId: `${this.base}-watch`, maxWaitTimeMs: 100 });
  }

  async start(): Promise<void> {
    const admin = this.kafka.createAdmin();
    await admin.connect();
    await admin.createTopics(this.topics.map((topic) => ({ topic, partitions: this.partitions })));
    await admin.close();
    for (let hop = 0; hop < HOPS; hop += 1) {
      this.hops.push(
        await startKafkajsPassThrough({
          brokers: this.brokers,
          groupId: `${this.base}-hop-${hop}`,
          inputTopic: this.topics[hop]!,
          outputTopic: this.topics[hop + 1]!,
          stage: `hop-${hop}`,
          requestIdOf: (value) => value?.subarray(0, ID_BYTES).toString('latin1').trimEnd() ?? '',
          maxWaitTimeMs: 100,
        }),
      );
    }
    await this.producer.connect();
    await this.consumer.subscribe([this.topics[HOPS]!], { fromBeginning: true });
    await this.consumer.run({
      onBatch: (batch) => {
        const now = performance.now();
        for (const record of batch.records) {
          const id = record.headers[HEADER.requestId]?.toString() ?? '';
          const w = this.waiting.get(id);
          if (w === undefined) continue;
          this.waiting.delete(id);
          w.resolve({ terminal: 'done', ttftMs: now - w.sentAt, gapsMs: [], e2eMs: now - w.sentAt });
        }
        return batch.records.length;
      },
    });
  }

  fire = (index: number): Promise<RequestOutcome> => {
    const id = `c-${index}-${randomUUID().slice(0, 8)}`.padEnd(ID_BYTES, ' ');
    const value = Buffer.alloc(Math.max(this.valueBytes, ID_BYTES), 'x');
    value.write(id, 0, 'latin1');
    return new Promise((resolve) => {
      this.waiting.set(id.trimEnd(), { sentAt: performance.now(), resolve });
      void this.batching.send({
        topic: this.topics[0]!,
        key: `bench-chain-session-${index}`,
        value,
        headers: {
          [HEADER.requestId]: id.trimEnd(),
          [HEADER.traceparent]: `00-${randomUUID().replaceAll('-', '')}-${'0'.repeat(15)}1-01`,
        },
      });
    });
  };

  async stop(): Promise<void> {
    await Promise.all(this.hops.map((hop) => hop.stop()));
    await this.consumer.close();
    await this.producer.close();
    const admin = this.kafka.createAdmin();
    await admin.connect();
    await admin.deleteTopics(this.topics).catch(() => undefined);
    await admin
      .deleteGroups([
        `${this.base}-watch`,
        ...this.topics.slice(0, HOPS).map((_, i) => `${this.base}-hop-${i}`),
      ])
      .catch(() => undefined);
    await admin.close();
  }
}
