/**
 * When records of each request were written to the pipeline's topics: the
 * first accepted record's timestamp (the producer's create time) per topic and
 * request ID, read from headers only (nothing decoded). Two uses:
 * - where a sequential request's time goes: the gap between a stage's input
 *   record and its output record is that stage's hop (its fetch, its work,
 *   its produce);
 * - when a stage decided to shed or reject: it sends an out-of-band terminal
 *   chunk (seq -1) to the stream stage's input at that moment
 *   (shared/runtime/failure-notifier.ts), so that record's time is the
 *   decision, earlier than the client event's own timestamp (the stream
 *   stage's write).
 */
import { randomUUID } from 'node:crypto';
import type { ConsumedRecord, ConsumerPort, KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import { OUT_OF_BAND_SEQ } from '../../shared/messages/failure-protocol.ts';

/** Out-of-band terminal chunks only: a stage's shed/reject/give-up decision. */
export const outOfBandOnly = (record: ConsumedRecord): boolean =>
  record.headers[HEADER.seq]?.toString() === String(OUT_OF_BAND_SEQ);

/** Records of the request's answer (not out-of-band terminals). */
export const inBandOnly = (record: ConsumedRecord): boolean => !outOfBandOnly(record);

export class RecordTimeWatch {
  private readonly firstAtMs = new Map<string, number>();
  private readonly groupId = `bench-record-times-${randomUUID().slice(0, 8)}`;
  private readonly consumer: ConsumerPort;

  constructor(
    private readonly kafka: KafkaClientPort,
    private readonly topics: readonly string[],
    private readonly accept: (record: ConsumedRecord) => boolean,
  ) {
    this.consumer = kafka.createConsumer({ groupId: this.groupId, maxWaitTimeMs: 100 });
  }

  /** Resolves once the watch's consumer joined; records written before that are not seen. */
  async start(): Promise<void> {
    await this.consumer.subscribe(this.topics, { fromBeginning: false });
    await this.consumer.run({
      onBatch: (batch) => {
        for (const record of batch.records) {
          const requestId = record.headers[HEADER.requestId]?.toString();
          if (requestId === undefined || !this.accept(record)) continue;
          const key = `${batch.topic}\u0000${requestId}`;
          if (!this.firstAtMs.has(key)) this.firstAtMs.set(key, record.timestampMs);
        }
        return batch.records.length;
      },
    });
  }

  /** Epoch ms of the request's first accepted record on the topic, if one was seen. */
  timeOf(topic: string, requestId: string): number | undefined {
    return this.firstAtMs.get(`${topic}\u0000${requestId}`);
  }

  async close(): Promise<void> {
    await this.consumer.close();
    const admin = this.kafka.createAdmin();
    await admin.connect();
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.close();
  }
}
