/**
 * Picks the framing from the first bytes: 0x00 = Confluent wire format (needs
 * a registry), 0xC3 0x01 = single-object encoding (known fingerprints). Both
 * are read in both modes where possible, so a topic can move between them.
 */
import { KpoError } from '../errors/kpo-error.ts';
import { isConfluentFramed, unframeConfluent } from './confluent-wire-format.ts';
import type { FingerprintCatalog } from './fingerprint-catalog.ts';
import type { SchemaRegistryCatalog } from './schema-registry-catalog.ts';
import { isSingleObjectEncoded } from './single-object-encoding.ts';
import type { FramedBody, WriterSchemaLookup } from './writer-schema-lookup.ts';

export class FramedValueReader implements WriterSchemaLookup {
  constructor(
    private readonly fingerprints: FingerprintCatalog,
    private readonly registry: SchemaRegistryCatalog | undefined,
  ) {}

  async unframe(value: Buffer): Promise<FramedBody> {
    if (isSingleObjectEncoded(value)) return this.fingerprints.unframe(value);
    if (isConfluentFramed(value)) {
      if (this.registry === undefined) {
        const { schemaId } = unframeConfluent(value);
        throw new KpoError(
          'KPO_DECODE_UNKNOWN_SCHEMA',
          `the record names registry schema id ${schemaId}, but no schema registry is configured (registry-less mode)`,
        );
      }
      return this.registry.unframe(value);
    }
    const head = value.subarray(0, 2).toString('hex') || 'nothing';
    throw new KpoError(
      'KPO_DECODE_WIRE_FORMAT',
      `the record starts with ${head}: neither the Confluent wire format (00) nor single-object encoding (c3 01)`,
    );
  }
}
