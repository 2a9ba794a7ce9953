/**
 * Confluent wire format: magic byte 0, the writer schema's registry id as a
 * 4-byte big-endian unsigned int, then the Avro binary body.
 */
import { KpoError } from '../errors/kpo-error.ts';

export const CONFLUENT_MAGIC_BYTE = 0;
export const CONFLUENT_HEADER_BYTES = 5;

export function isConfluentFramed(value: Buffer): boolean {
  return value.length > 0 && value[0] === CONFLUENT_MAGIC_BYTE;
}

export function frameConfluent(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(CONFLUENT_HEADER_BYTES);
  header.writeUInt8(CONFLUENT_MAGIC_BYTE, 0);
  header.writeUInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/** The schema id and body of a framed record; KPO_DECODE_WIRE_FORMAT when the header is cut short. */
export function unframeConfluent(value: Buffer): { readonly schemaId: number; readonly body: Buffer } {
  if (value.length < CONFLUENT_HEADER_BYTES || value[0] !== CONFLUENT_MAGIC_BYTE) {
    throw new KpoError(
      'KPO_DECODE_WIRE_FORMAT',
      `a Confluent-framed record needs magic byte 0 and a 4-byte schema id, got ${value.length} bytes`,
    );
  }
  return { schemaId: value.readUInt32BE(1), body: value.subarray(CONFLUENT_HEADER_BYTES) };
}
