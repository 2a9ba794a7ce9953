/**
 * How the runtime turns bytes into messages and back, whatever the wire
 * format (Confluent registry framing or registry-less single-object encoding).
 * Decode failures are KpoErrors with a KPO_DECODE_* / KPO_VALIDATION code, so
 * the runtime can dead-letter them with a reason.
 */
export type RecordHeaders = Readonly<Record<string, Buffer | undefined>>;

export interface RecordCodec<T> {
  /** The Avro full name this codec reads and writes, e.g. "kpo.v1.PromptRequest". */
  readonly messageName: string;
  decode(value: Buffer): Promise<T>;
  encode(message: T): Promise<Buffer>;
}
