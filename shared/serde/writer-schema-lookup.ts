/**
 * How a decoder finds the schema a record was written with: from the bytes'
 * framing (a registry id or a fingerprint) to an avsc Type. One lookup serves
 * every codec of a factory, so ids and fingerprints are cached once.
 */
import type avro from 'avsc';

export interface WriterSchema {
  /** Cache key: "id:<n>" or "fp:<hex>". */
  readonly key: string;
  /** For error messages: "schema id 7" or "fingerprint 58deaee05a938961". */
  readonly label: string;
  readonly type: avro.Type;
}

export interface FramedBody {
  readonly writer: WriterSchema;
  readonly body: Buffer;
}

export interface WriterSchemaLookup {
  /**
   * The writer schema and Avro body of a framed value. Throws KpoError:
   * KPO_DECODE_WIRE_FORMAT (not framed), KPO_DECODE_UNKNOWN_SCHEMA (id or
   * fingerprint unknown), KPO_REGISTRY (registry unreachable: retryable).
   */
  unframe(value: Buffer): Promise<FramedBody>;
}
