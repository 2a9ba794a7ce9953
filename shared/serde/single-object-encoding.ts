/**
 * Avro single-object encoding (Avro spec, "Single object encoding"): the
 * marker 0xC3 0x01, the writer schema's CRC-64-AVRO fingerprint (8 bytes,
 * little-endian) of its Parsing Canonical Form, then the Avro binary body.
 * Used when no schema registry is configured.
 */
import { KpoError } from '../errors/kpo-error.ts';

export const SINGLE_OBJECT_MARKER = Buffer.from([0xc3, 0x01]);
export const SINGLE_OBJECT_HEADER_BYTES = 10;

export function isSingleObjectEncoded(value: Buffer): boolean {
  return value.length >= 2 && value[0] === 0xc3 && value[1] === 0x01;
}

export function frameSingleObject(fingerprint: Buffer, body: Buffer): Buffer {
  return Buffer.concat([SINGLE_OBJECT_MARKER, fingerprint, body]);
}

/** The fingerprint (hex, as the bytes appear) and body; KPO_DECODE_WIRE_FORMAT when the header is cut short. */
export function unframeSingleObject(value: Buffer): {
  readonly fingerprintHex: string;
  readonly body: Buffer;
} {
  if (value.length < SINGLE_OBJECT_HEADER_BYTES || !isSingleObjectEncoded(value)) {
    throw new KpoError(
      'KPO_DECODE_WIRE_FORMAT',
      `a single-object encoded record needs the marker C3 01 and an 8-byte fingerprint, got ${value.length} bytes`,
    );
  }
  return {
    fingerprintHex: value.subarray(2, SINGLE_OBJECT_HEADER_BYTES).toString('hex'),
    body: value.subarray(SINGLE_OBJECT_HEADER_BYTES),
  };
}
