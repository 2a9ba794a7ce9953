/**
 * Renders shared/messages/types.ts from the bundled schemas, so the
 * TypeScript types cannot drift from the contract (a unit test regenerates it
 * and compares). Mapping, matching how avsc decodes without logical types:
 * int/long/float/double → number (timestamp-millis too: epoch ms), bytes and
 * fixed → Buffer, enum → string literal union, array → T[], map →
 * Record<string, T>, ["null", T] → T | null.
 */
import { fullNameOf, isPrimitiveName, type AvroSchemaJson, type AvroSchemaObject } from './schema-bundler.ts';

const PRIMITIVE_TS: Readonly<Record<string, string>> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  bytes: 'Buffer',
  string: 'string',
};

export const GENERATED_TYPES_HEADER = [
  '// Generated from schemas/*.avsc by `npm run gen:types` (scripts/gen-types.ts). Do not edit:',
  '// test/unit/messages/generated-types.test.ts fails when this file and the schemas disagree.',
].join('\n');

interface Declaration {
  readonly fullName: string;
  readonly source: string;
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function docComment(doc: unknown, indent: string): string {
  if (typeof doc !== 'string' || doc.length === 0) return '';
  return `${indent}/** ${doc.replaceAll('*/', '*\\/')} */\n`;
}

function namespaceOf(fullName: string): string | undefined {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? undefined : fullName.slice(0, dot);
}

class TypeRenderer {
  private readonly declarations: Declaration[] = [];
  private readonly seen = new Map<string, string>();

  render(schema: AvroSchemaJson, namespace: string | undefined): string {
    if (typeof schema === 'string') {
      if (isPrimitiveName(schema)) return PRIMITIVE_TS[schema] ?? 'never';
      return shortName(fullNameOf(schema, namespace));
    }
    if (Array.isArray(schema)) {
      const branches = (schema as readonly AvroSchemaJson[]).map((branch) => this.render(branch, namespace));
      // Nullable unions read as `T | null`, whatever the branch order in the schema.
      return [...branches.filter((b) => b !== 'null'), ...branches.filter((b) => b === 'null')].join(' | ');
    }
    const object = schema as AvroSchemaObject;
    const type = object.type;
    if (typeof type !== 'string') return this.render(type as AvroSchemaJson, namespace);
    if (isPrimitiveName(type)) return PRIMITIVE_TS[type] ?? 'never';
    if (type === 'array') {
      const items = this.render(object.items as AvroSchemaJson, namespace);
      return items.includes(' ') ? `Array<${items}>` : `${items}[]`;
    }
    if (type === 'map') return `Record<string, ${this.render(object.values as AvroSchemaJson, namespace)}>`;
    if (type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') {
      return this.declare(object, namespace);
    }
    return shortName(fullNameOf(type, namespace));
  }

  private declare(object: AvroSchemaObject, namespace: string | undefined): string {
    const ownNamespace = typeof object.namespace === 'string' ? object.namespace : namespace;
    const fullName = fullNameOf(String(object.name), ownNamespace);
    const name = shortName(fullName);
    const previous = this.seen.get(name);
    if (previous !== undefined && previous !== fullName) {
      throw new Error(`${previous} and ${fullName} would both be the TypeScript type ${name}`);
    }
    if (previous !== undefined) return name;
    this.seen.set(name, fullName);
    const index = this.declarations.length;
    this.declarations.push({ fullName, source: '' });
    this.declarations[index] = { fullName, source: this.declarationSource(object, name, fullName) };
    return name;
  }

  private declarationSource(object: AvroSchemaObject, name: string, fullName: string): string {
    const doc = docComment(object.doc, '');
    if (object.type === 'enum') {
      const symbols = (object.symbols as readonly string[]).map((symbol) => `'${symbol}'`);
      const constName = `${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_SYMBOLS`;
      return (
        `${doc}export type ${name} = ${symbols.join(' | ')};\n\n` +
        `/** The symbols of ${name}, in schema order. */\n` +
        `export const ${constName} = [${symbols.join(', ')}] as const;\n`
      );
    }
    if (object.type === 'fixed') return `${doc}export type ${name} = Buffer;\n`;
    const fieldNamespace = namespaceOf(fullName);
    const fields = (object.fields as readonly AvroSchemaObject[]).map((field) => {
      const fieldType = this.render(field.type as AvroSchemaJson, fieldNamespace);
      return `${docComment(field.doc, '  ')}  ${String(field.name)}: ${fieldType};\n`;
    });
    return `${doc}export interface ${name} {\n${fields.join('')}}\n`;
  }

  declarationsSource(): string {
    return this.declarations.map((declaration) => declaration.source).join('\n');
  }

  tsNameOf(fullName: string): string | undefined {
    const name = shortName(fullName);
    return this.seen.get(name) === fullName ? name : undefined;
  }
}

/** The source of shared/messages/types.ts for the given top-level (bundled) schemas, by full name. */
export function renderMessageTypes(schemas: ReadonlyMap<string, AvroSchemaJson>): string {
  const renderer = new TypeRenderer();
  const names = [...schemas.keys()].sort();
  for (const name of names) renderer.render(schemas.get(name) as AvroSchemaJson, undefined);
  const byName = names.map((name) => `  '${name}': ${renderer.tsNameOf(name) ?? 'never'};\n`).join('');
  return (
    `${GENERATED_TYPES_HEADER}\n\n` +
    `${renderer.declarationsSource()}\n` +
    `/** Every top-level message type, by its Avro full name. */\n` +
    `export interface MessageTypeByName {\n${byName}}\n`
  );
}
