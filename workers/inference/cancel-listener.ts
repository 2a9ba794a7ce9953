/**
 * Reads the control topic (llm.cancel) and aborts matching requests running
 * on this worker. Every inference worker must see every cancel — the cancel
 * topic's partition assignment need not match llm.assembled's — so each
 * worker reads it in a group of its own, from the latest offset, and keeps
 * no offsets: a cancel is worth acting on only while its request runs (and
 * for a while after, see CancelRegistry).
 */
import { randomBytes } from 'node:crypto';
import type { KpoError } from '../../shared/errors/kpo-error.ts';
import type { KafkaClientPort, ConsumerPort } from '../../shared/kafka/kafka-port.ts';
import type { Cancel } from '../../shared/messages/types.ts';
import type { RecordCodec } from '../../shared/serde/record-codec.ts';
import type { CancelRegistry } from './cancel-registry.ts';

export interface CancelListenerOptions {
  readonly kafka: KafkaClientPort;
  readonly topic: string;
  readonly codec: RecordCodec<Cancel>;
  readonly cancels: CancelRegistry;
  /** Group name prefix; a random suffix makes it this worker's own. Default "kpo-inference-cancel". */
  readonly groupPrefix?: string;
  /** A record that does not decode (logged by the caller, then skipped). */
  readonly onUndecodable?: (error: unknown) => void;
  /** A cancel that stopped a request running here. */
  readonly onCancelled?: (cancel: Cancel) => void;
  readonly onCrash?: (error: KpoError) => void;
}

export class CancelListener {
  private consumer: ConsumerPort | undefined;

  constructor(private readonly options: CancelListenerOptions) {}

  async start(): Promise<void> {
    const { kafka, topic, codec, cancels } = this.options;
    const groupId = `${this.options.groupPrefix ?? 'kpo-inference-cancel'}-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.createConsumer({ groupId, maxWaitTimeMs: 100 });
    this.consumer = consumer;
    await consumer.subscribe([topic], { fromBeginning: false });
    await consumer.run({
      onBatch: async (batch) => {
        for (const record of batch.records) {
          if (record.value === null) continue;
          try {
            const cancel = await codec.decode(record.value);
            if (cancels.cancel(cancel.requestId, cancel.reason)) this.options.onCancelled?.(cancel);
          } catch (error) {
            this.options.onUndecodable?.(error);
          }
        }
        return batch.records.length;
      },
      ...(this.options.onCrash === undefined ? {} : { onCrash: this.options.onCrash }),
    });
  }

  async close(): Promise<void> {
    await this.consumer?.close();
  }
}
