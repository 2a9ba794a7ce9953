/**
 * The message contract: one schema file per message kind in schemas/, and
 * frozen snapshots of released versions in schemas/released/. Everything that
 * needs a schema (serde, type generator, evolution test) loads it from here,
 * bundled self-contained (see schema-bundler.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSchema, declaredFullName, indexNamedTypes, type AvroSchemaJson } from './schema-bundler.ts';

/** The message kinds, by the key the codec factory uses, with their Avro full names. */
export const MESSAGE_NAMES = {
  promptRequest: 'kpo.v1.PromptRequest',
  retrievalResult: 'kpo.v1.RetrievalResult',
  assembledPrompt: 'kpo.v1.AssembledPrompt',
  tokenChunk: 'kpo.v1.TokenChunk',
  clientEvent: 'kpo.v1.ClientEvent',
  cancel: 'kpo.v1.Cancel',
  deadLetter: 'kpo.v1.DeadLetter',
} as const;

export type MessageKind = keyof typeof MESSAGE_NAMES;
export type MessageName = (typeof MESSAGE_NAMES)[MessageKind];
export const MESSAGE_KINDS = Object.keys(MESSAGE_NAMES) as readonly MessageKind[];

/** schemas/ at the project root. */
export const SCHEMAS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'schemas');
/** schemas/released/: `<Name>.v<N>.avsc`, bundled, never edited after release. */
export const RELEASED_SCHEMAS_DIR = join(SCHEMAS_DIR, 'released');

function readJson(path: string): AvroSchemaJson {
  return JSON.parse(readFileSync(path, 'utf8')) as AvroSchemaJson;
}

function schemaFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.avsc'))
    .sort();
}

/** The top-level schema of each file in `dir`, bundled, by full name. */
export function loadBundledSchemas(dir: string = SCHEMAS_DIR): Map<string, AvroSchemaJson> {
  const roots = schemaFiles(dir).map((name) => readJson(join(dir, name)));
  const index = indexNamedTypes(roots);
  const bundled = new Map<string, AvroSchemaJson>();
  for (const root of roots) {
    if (typeof root !== 'object' || Array.isArray(root))
      throw new Error('a schema file must hold one named type');
    const fullName = declaredFullName(root as Record<string, unknown>, undefined);
    if (fullName === undefined) throw new Error('a schema file must hold one named type');
    bundled.set(fullName, bundleSchema(root, index));
  }
  return bundled;
}

/** The current schema of every message kind, bundled. Throws if a kind has no schema file. */
export function loadMessageSchemas(dir: string = SCHEMAS_DIR): ReadonlyMap<MessageName, AvroSchemaJson> {
  const bundled = loadBundledSchemas(dir);
  const result = new Map<MessageName, AvroSchemaJson>();
  for (const name of Object.values(MESSAGE_NAMES)) {
    const schema = bundled.get(name);
    if (schema === undefined) throw new Error(`no schema file defines ${name}`);
    result.set(name, schema);
  }
  return result;
}

export interface ReleasedSchema {
  readonly name: string;
  readonly version: number;
  readonly file: string;
  readonly schema: AvroSchemaJson;
}

const RELEASED_FILE = /^(?<short>[A-Za-z_][A-Za-z0-9_]*)\.v(?<version>[0-9]+)\.avsc$/;

/** Every released snapshot, oldest version first per name. */
export function loadReleasedSchemas(dir: string = RELEASED_SCHEMAS_DIR): ReleasedSchema[] {
  const released: ReleasedSchema[] = [];
  for (const file of schemaFiles(dir)) {
    const match = RELEASED_FILE.exec(file);
    if (!match?.groups) throw new Error(`released schema ${file} is not named <Name>.v<N>.avsc`);
    const schema = readJson(join(dir, file));
    const name = declaredFullName(schema as Record<string, unknown>, undefined);
    if (name === undefined || !name.endsWith(`.${match.groups.short}`)) {
      throw new Error(`released schema ${file} does not hold ${match.groups.short}`);
    }
    released.push({ name, version: Number(match.groups.version), file, schema });
  }
  return released.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
}

/** The last released snapshot of each name. */
export function latestReleasedSchemas(dir: string = RELEASED_SCHEMAS_DIR): Map<string, ReleasedSchema> {
  const latest = new Map<string, ReleasedSchema>();
  for (const released of loadReleasedSchemas(dir)) latest.set(released.name, released);
  return latest;
}
