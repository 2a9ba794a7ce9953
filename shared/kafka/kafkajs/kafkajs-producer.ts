/** ProducerPort over a kafkajs idempotent producer (acks=all, one request in flight, Java-compatible murmur2). */
import kafkajs from 'kafkajs';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type { OutgoingRecord, ProducerPort } from '../kafka-port.ts';
import { kafkaError } from './kafkajs-errors.ts';

/**
 * The record itself is the kafkajs message (kafkajs reads key, value, headers,
 * partition and ignores the rest): no copy per record.
 */
const toMessage = (record: OutgoingRecord): Message => record;

export class KafkajsProducer implements ProducerPort {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: kafkajs.Kafka) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      // The idempotent producer's sequence numbers stay valid only if it never gives up on a request.
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (error) {
      throw kafkaError(error, 'producer connect failed');
    }
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Usually one topic: group without a Map in that case. kafkajs only reads the messages.
    const topicMessages: TopicMessages[] = [];
    let last: TopicMessages | undefined;
    for (const record of records) {
      if (last?.topic !== record.topic) {
        last = topicMessages.find((t) => t.topic === record.topic);
        if (!last) topicMessages.push((last = { topic: record.topic, messages: [] }));
      }
      last.messages.push(toMessage(record));
    }
    try {
      await this.producer.sendBatch({ acks: -1, topicMessages });
    } catch (error) {
      throw kafkaError(error, 'produce failed', { topic: records[0]?.topic });
    }
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
