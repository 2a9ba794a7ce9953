/**
 * Writes a record the stage gave up on to `<input topic><deadLetterSuffix>`:
 * value = DeadLetter (shared/messages/types.ts, schemas/DeadLetter.avsc;
 * original key, value bytes and headers kept whole), key = the original key,
 * headers = the original headers plus kpo-dlq-* error headers.
 *
 * A dead letter of a record close to the message size limit is itself too
 * large to encode (the codec refuses it with KPO_TOO_LARGE). Then the letter
 * is written without the original value (originalValue null; then, if still
 * too large, without the original headers too), and the reason says what was
 * dropped, so the failure is recorded instead of the write failing forever.
 */
import { KpoError } from '../errors/kpo-error.ts';
import type { ConsumedRecord } from '../kafka/kafka-port.ts';
import { HEADER } from '../messages/header-names.ts';
import type { DeadLetter } from '../messages/types.ts';
import type { RecordCodec } from '../serde/record-codec.ts';
import type { BatchingProducer, SendGuard } from './batching-producer.ts';

export interface DeadLetterInput {
  /** False once the source partition was revoked: the write is refused if still queued. */
  readonly guard?: SendGuard;
  readonly raw: ConsumedRecord;
  readonly error: KpoError;
  readonly attempts: number;
  readonly requestId?: string;
  readonly sessionId?: string;
}

const isTooLarge = (error: unknown): boolean => error instanceof KpoError && error.code === 'KPO_TOO_LARGE';

export class DeadLetterWriter {
  constructor(
    private readonly stage: string,
    private readonly topic: string,
    private readonly codec: RecordCodec<DeadLetter>,
    private readonly producer: BatchingProducer,
  ) {}

  /** Resolves once the dead letter is on the broker; rejects with a KpoError (caller retries). */
  async write(input: DeadLetterInput): Promise<void> {
    const { raw, error, attempts } = input;
    const { letter, value } = await this.encode({
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
    });
    await this.producer.send(
      {
        topic: this.topic,
        key: raw.key,
        value,
        headers: {
          ...raw.headers,
          [HEADER.dlqStage]: this.stage,
          [HEADER.dlqErrorCode]: error.code,
          [HEADER.dlqReason]: letter.reason,
          [HEADER.dlqAttempts]: String(attempts),
          [HEADER.dlqSourceTopic]: raw.topic,
          [HEADER.dlqSourcePartition]: String(raw.partition),
          [HEADER.dlqSourceOffset]: raw.offset,
        },
      },
      input.guard,
    );
  }

  /** Encodes the letter; when it is too large, drops the original value (then headers) and says so. */
  private async encode(letter: DeadLetter): Promise<{ letter: DeadLetter; value: Buffer }> {
    try {
      return { letter, value: await this.codec.encode(letter) };
    } catch (error) {
      if (!isTooLarge(error) || letter.originalValue === null) throw error;
    }
    const withoutValue: DeadLetter = {
      ...letter,
      originalValue: null,
      reason: `${letter.reason} [original value (${letter.originalValue.length} bytes) dropped: the dead letter was over the message size limit]`,
    };
    try {
      return { letter: withoutValue, value: await this.codec.encode(withoutValue) };
    } catch (error) {
      if (!isTooLarge(error) || Object.keys(letter.originalHeaders).length === 0) throw error;
    }
    const bare: DeadLetter = {
      ...withoutValue,
      originalHeaders: {},
      reason: `${letter.reason} [original value (${letter.originalValue.length} bytes) and headers dropped: the dead letter was over the message size limit]`,
    };
    return { letter: bare, value: await this.codec.encode(bare) };
  }
}
