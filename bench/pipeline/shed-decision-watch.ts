/**
 * When the pipeline decided to shed or reject a request. A stage that gives up
 * on a request before the last stage sends an out-of-band terminal chunk (seq
 * header -1) to the stream stage's input at the moment it decides
 * (shared/runtime/failure-notifier.ts); that record's timestamp is the
 * decision time. The surge run subtracts it from when the client saw the
 * terminal event: "decision → client", the figure the target is about
 * (the event's own timestamp is when the stream stage wrote it, later).
 * Reads only headers, so it decodes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumerPort, KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import { OUT_OF_BAND_SEQ } from '../../shared/messages/failure-protocol.ts';

export class ShedDecisionWatch {
  private readonly decidedAtMs = new Map<string, number>();
  private readonly groupId = `bench-shed-decisions-${randomUUID().slice(0, 8)}`;
  private readonly consumer: ConsumerPort;

  constructor(
    private readonly kafka: KafkaClientPort,
    private readonly topic: string,
  ) {
    this.consumer = kafka.createConsumer({ groupId: this.groupId, maxWaitTimeMs: 100 });
  }

  /** Resolves once the watch's consumer joined; records written before that are not seen. */
  async start(): Promise<void> {
    await this.consumer.subscribe([this.topic], { fromBeginning: false });
    await this.consumer.run({
      onBatch: (batch) => {
        for (const record of batch.records) {
          if (record.headers[HEADER.seq]?.toString() !== String(OUT_OF_BAND_SEQ)) continue;
          const requestId = record.headers[HEADER.requestId]?.toString();
          if (requestId !== undefined && !this.decidedAtMs.has(requestId))
            this.decidedAtMs.set(requestId, record.timestampMs);
        }
        return batch.records.length;
      },
    });
  }

  /** Epoch ms of the request's out-of-band terminal chunk, if one was seen. */
  decisionTimeOf(requestId: string): number | undefined {
    return this.decidedAtMs.get(requestId);
  }

  async close(): Promise<void> {
    await this.consumer.close();
    const admin = this.kafka.createAdmin();
    await admin.connect();
    await admin.deleteGroups([this.groupId]).catch(() => undefined);
    await admin.close();
  }
}
