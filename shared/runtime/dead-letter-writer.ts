/**
 * Writes a record the stage gave up on to `<input topic><deadLetterSuffix>`:
 * value = DeadLetter (original key, value bytes and headers kept whole), key =
 * the original key, headers = the original headers plus kpo-dlq-* error headers.
 */
import type { KpoError } from '../errors/kpo-error.ts';
import type { ConsumedRecord } from '../kafka/kafka-port.ts';
import { HEADER } from '../messages/header-names.ts';
import type { RecordCodec } from '../serde/record-codec.ts';
import type { BatchingProducer, SendGuard } from './batching-producer.ts';
import type { DeadLetterRecord } from './dead-letter-record.ts';

export interface DeadLetterInput {
  /** False once the source partition was revoked: the write is refused if still queued. */
  readonly guard?: SendGuard;
  readonly raw: ConsumedRecord;
  readonly error: KpoError;
  readonly attempts: number;
  readonly requestId?: string;
  readonly sessionId?: string;
}

export class DeadLetterWriter {
  constructor(
    private readonly stage: string,
    private readonly topic: string,
    private readonly codec: RecordCodec<DeadLetterRecord>,
    private readonly producer: BatchingProducer,
  ) {}

  /** Resolves once the dead letter is on the broker; rejects with a KpoError (caller retries). */
  async write(input: DeadLetterInput): Promise<void> {
    const { raw, error, attempts } = input;
    const letter: DeadLetterRecord = {
      stage: this.stage,
      errorCode: error.code,
      reason: error.message,
      attempts,
      sourceTopic: raw.topic,
      sourcePartition: raw.partition,
      sourceOffset: Number(raw.offset),
      originalKey: raw.key,
      originalValue: raw.value,
      originalHeaders: raw.headers,
      failedAtMs: Date.now(),
      requestId: input.requestId ?? null,
      sessionId: input.sessionId ?? null,
    };
    const value = await this.codec.encode(letter);
    await this.producer.send(
      {
        topic: this.topic,
        key: raw.key,
        value,
        headers: {
          ...raw.headers,
          [HEADER.dlqStage]: this.stage,
          [HEADER.dlqErrorCode]: error.code,
          [HEADER.dlqReason]: error.message,
          [HEADER.dlqAttempts]: String(attempts),
          [HEADER.dlqSourceTopic]: raw.topic,
          [HEADER.dlqSourcePartition]: String(raw.partition),
          [HEADER.dlqSourceOffset]: raw.offset,
        },
      },
      input.guard,
    );
  }
}
