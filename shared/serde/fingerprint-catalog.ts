/**
 * The schemas registry-less mode knows: every current and released message
 * schema, by its CRC-64-AVRO fingerprint. Also the single-object reader.
 */
import avro from 'avsc';
import { KpoError } from '../errors/kpo-error.ts';
import { crc64AvroLittleEndian } from './crc64-avro.ts';
import { unframeSingleObject } from './single-object-encoding.ts';
import type { FramedBody, WriterSchema } from './writer-schema-lookup.ts';

/** The Avro Parsing Canonical Form of a type (avsc's schema() is exactly that). */
export function parsingCanonicalForm(type: avro.Type): string {
  return JSON.stringify(type.schema());
}

/** The 8 fingerprint bytes single-object encoding writes for `type`. */
export function singleObjectFingerprint(type: avro.Type): Buffer {
  return crc64AvroLittleEndian(Buffer.from(parsingCanonicalForm(type), 'utf8'));
}

export class FingerprintCatalog {
  private readonly byFingerprint = new Map<string, WriterSchema>();

  constructor(types: Iterable<avro.Type>) {
    for (const type of types) this.add(type);
  }

  /** Adds a schema; returns its fingerprint bytes. */
  add(type: avro.Type): Buffer {
    const fingerprint = singleObjectFingerprint(type);
    const hex = fingerprint.toString('hex');
    if (!this.byFingerprint.has(hex)) {
      this.byFingerprint.set(hex, {
        key: `fp:${hex}`,
        label: `fingerprint ${hex} (${type.name ?? type.typeName})`,
        type,
      });
    }
    return fingerprint;
  }

  get size(): number {
    return this.byFingerprint.size;
  }

  unframe(value: Buffer): FramedBody {
    const { fingerprintHex, body } = unframeSingleObject(value);
    const writer = this.byFingerprint.get(fingerprintHex);
    if (writer === undefined) {
      throw new KpoError(
        'KPO_DECODE_UNKNOWN_SCHEMA',
        `no known schema has the fingerprint ${fingerprintHex} (registry-less mode knows the current and released message schemas)`,
      );
    }
    return { writer, body };
  }
}
