/**
 * The DeadLetter message (schemas/DeadLetter.avsc, kpo.v1.DeadLetter) as the
 * runtime builds it. The codec that writes it is passed in (Avro serde lives
 * elsewhere); field names and types mirror the schema one to one.
 */
export interface DeadLetterRecord {
  readonly stage: string;
  readonly errorCode: string;
  readonly reason: string;
  readonly attempts: number;
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: number;
  readonly originalKey: Buffer | null;
  readonly originalValue: Buffer | null;
  readonly originalHeaders: Readonly<Record<string, Buffer>>;
  /** Epoch ms (timestamp-millis). */
  readonly failedAtMs: number;
  readonly requestId: string | null;
  readonly sessionId: string | null;
}
