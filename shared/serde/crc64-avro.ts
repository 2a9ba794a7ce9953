/**
 * The CRC-64-AVRO (Rabin) fingerprint the Avro spec defines for single-object
 * encoding, over a schema's Parsing Canonical Form. Same algorithm as the
 * spec's reference code, on BigInt so every bit is exact.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK_64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, index) => {
  let fingerprint = BigInt(index);
  for (let bit = 0; bit < 8; bit += 1) {
    fingerprint = (fingerprint >> 1n) ^ (EMPTY & -(fingerprint & 1n) & MASK_64);
  }
  return fingerprint;
});

/** The 64-bit fingerprint of `bytes` (unsigned). */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fingerprint = EMPTY;
  for (const byte of bytes) {
    fingerprint = (fingerprint >> 8n) ^ (TABLE[Number((fingerprint ^ BigInt(byte)) & 0xffn)] ?? 0n);
  }
  return fingerprint;
}

/** The fingerprint as single-object encoding writes it: 8 bytes, little-endian. */
export function crc64AvroLittleEndian(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(crc64Avro(bytes));
  return out;
}
