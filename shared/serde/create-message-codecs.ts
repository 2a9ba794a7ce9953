/**
 * The one place the project gets message codecs from.
 *
 *   const codecs = await createMessageCodecs({ schemaRegistryUrl, maxMessageBytes });
 *   const bytes = await codecs.promptRequest.encode(request);
 *
 * With a registry: Confluent wire format, subjects named by record
 * (RecordNameStrategy: "kpo.v1.PromptRequest"), our schemas looked up or
 * registered here, at start. Without one: Avro single-object encoding.
 * Decoding reads both framings and any writer schema that resolves to ours.
 * See shared/serde/README.md for the decisions.
 */
import avro from 'avsc';
import { join } from 'node:path';
import { MESSAGE_RULES, type MessageByKind } from '../messages/message-rules.ts';
import {
  loadMessageSchemas,
  loadReleasedSchemas,
  MESSAGE_KINDS,
  MESSAGE_NAMES,
  SCHEMAS_DIR,
  type MessageKind,
  type MessageName,
} from '../messages/message-schemas.ts';
import { AvroMessageCodec } from './avro-message-codec.ts';
import { frameConfluent } from './confluent-wire-format.ts';
import { FingerprintCatalog } from './fingerprint-catalog.ts';
import { FramedValueReader } from './framed-value-reader.ts';
import { compileMessageCodecsOptions, type MessageCodecsOptions } from './message-codecs-options.ts';
import type { RecordCodec } from './record-codec.ts';
import { SchemaRegistryCatalog } from './schema-registry-catalog.ts';
import { frameSingleObject } from './single-object-encoding.ts';

export type MessageCodecMap = { readonly [K in MessageKind]: RecordCodec<MessageByKind[K]> };

export interface MessageCodecs extends MessageCodecMap {
  readonly mode: 'registry' | 'registry-less';
  /** The writer identity of each kind: registry id (registry mode) or fingerprint hex (registry-less). */
  readonly writerIds: ReadonlyMap<MessageName, number | string>;
}

/** The registry subject of a message kind (RecordNameStrategy: the record's full name). */
export function subjectFor(name: MessageName): string {
  return name;
}

export async function createMessageCodecs(options: MessageCodecsOptions = {}): Promise<MessageCodecs> {
  const compiled = compileMessageCodecsOptions(options);
  const schemasDir = compiled.schemasDir ?? SCHEMAS_DIR;
  const schemas = loadMessageSchemas(schemasDir);
  const readerTypes = new Map<MessageName, avro.Type>();
  for (const [name, schema] of schemas) readerTypes.set(name, avro.Type.forSchema(schema as avro.Schema));

  const fingerprints = new FingerprintCatalog(readerTypes.values());
  for (const released of loadReleasedSchemas(join(schemasDir, 'released'))) {
    fingerprints.add(avro.Type.forSchema(released.schema as avro.Schema));
  }

  const registry =
    compiled.schemaRegistryUrl === undefined
      ? undefined
      : new SchemaRegistryCatalog({
          url: compiled.schemaRegistryUrl,
          ...(compiled.registryCredentials === undefined
            ? {}
            : { credentials: compiled.registryCredentials }),
          requestRetries: compiled.registryRequestRetries,
          unknownIdTtlMs: compiled.unknownSchemaIdTtlMs,
          requestTimeoutMs: compiled.registryRequestTimeoutMs,
        });

  const writerIds = new Map<MessageName, number | string>();
  const frames = new Map<MessageName, (body: Buffer) => Buffer>();
  await Promise.all(
    [...readerTypes].map(async ([name, type]) => {
      if (registry === undefined) {
        const fingerprint = fingerprints.add(type);
        writerIds.set(name, fingerprint.toString('hex'));
        frames.set(name, (body) => frameSingleObject(fingerprint, body));
        return;
      }
      const schemaText = JSON.stringify(schemas.get(name));
      const id = await registry.idFor(subjectFor(name), schemaText, type, compiled.autoRegister);
      writerIds.set(name, id);
      frames.set(name, (body) => frameConfluent(id, body));
    }),
  );

  const lookup = new FramedValueReader(fingerprints, registry);
  const limits = { maxPromptChars: compiled.maxPromptChars };
  const codec = <K extends MessageKind>(kind: K): RecordCodec<MessageByKind[K]> => {
    const name = MESSAGE_NAMES[kind];
    return new AvroMessageCodec<MessageByKind[K]>({
      readerType: readerTypes.get(name) as avro.Type,
      frame: frames.get(name) as (body: Buffer) => Buffer,
      lookup,
      rule: MESSAGE_RULES[kind],
      limits,
      maxMessageBytes: compiled.maxMessageBytes,
    });
  };
  const codecs: Record<string, unknown> = {};
  for (const kind of MESSAGE_KINDS) codecs[kind] = codec(kind);
  return {
    ...(codecs as unknown as MessageCodecMap),
    mode: registry === undefined ? 'registry-less' : 'registry',
    writerIds,
  };
}
