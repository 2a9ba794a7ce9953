/**
 * Turns the schema files (which refer to each other's named types, e.g.
 * RetrievalResult → kpo.v1.PromptRequest) into self-contained schemas: every
 * named type is defined inline at its first use, in Avro parse order, and
 * referred to by full name after that. A bundled schema is what gets
 * registered, fingerprinted and snapshotted, so any Avro library (avsc,
 * fastavro, Java) can parse it alone, without schema references.
 */

/** Avro schema JSON: a type name, a union, or a complex type object. */
export type AvroSchemaJson = string | readonly AvroSchemaJson[] | AvroSchemaObject;
export interface AvroSchemaObject {
  readonly [key: string]: unknown;
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED_KINDS = new Set(['record', 'error', 'enum', 'fixed']);

export function isPrimitiveName(name: string): boolean {
  return PRIMITIVES.has(name);
}

/** Full name of a named type: names with a dot are already full; otherwise the enclosing namespace applies. */
export function fullNameOf(name: string, namespace: string | undefined): string {
  if (name.includes('.') || !namespace) return name;
  return `${namespace}.${name}`;
}

function namespaceOf(fullName: string): string | undefined {
  const dot = fullName.lastIndexOf('.');
  return dot < 0 ? undefined : fullName.slice(0, dot);
}

function shortNameOf(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function isObject(schema: unknown): schema is AvroSchemaObject {
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema);
}

/** The full name a named-type definition declares, or undefined when it is not a named type. */
export function declaredFullName(
  schema: AvroSchemaObject,
  namespace: string | undefined,
): string | undefined {
  if (typeof schema.type !== 'string' || !NAMED_KINDS.has(schema.type)) return undefined;
  if (typeof schema.name !== 'string') throw new Error(`a ${schema.type} without a name`);
  const ownNamespace = typeof schema.namespace === 'string' ? schema.namespace : namespace;
  return fullNameOf(schema.name, ownNamespace);
}

/** The child schemas of a complex type, with the namespace they are read in. */
function childrenOf(schema: AvroSchemaObject): readonly AvroSchemaJson[] {
  if (schema.type === 'record' || schema.type === 'error') {
    const fields = Array.isArray(schema.fields) ? (schema.fields as readonly AvroSchemaObject[]) : [];
    return fields.map((field) => field.type as AvroSchemaJson);
  }
  if (schema.type === 'array') return [schema.items as AvroSchemaJson];
  if (schema.type === 'map') return [schema.values as AvroSchemaJson];
  if (isObject(schema.type) || Array.isArray(schema.type)) return [schema.type as AvroSchemaJson];
  return [];
}

/** Every named type defined anywhere in the given schemas, by full name (with an explicit namespace). */
export function indexNamedTypes(schemas: readonly AvroSchemaJson[]): Map<string, AvroSchemaObject> {
  const index = new Map<string, AvroSchemaObject>();
  const visit = (schema: AvroSchemaJson, namespace: string | undefined): void => {
    if (typeof schema === 'string') return;
    if (Array.isArray(schema)) {
      for (const branch of schema as readonly AvroSchemaJson[]) visit(branch, namespace);
      return;
    }
    const object = schema as AvroSchemaObject;
    const fullName = declaredFullName(object, namespace);
    if (fullName !== undefined) {
      if (index.has(fullName)) throw new Error(`named type ${fullName} is defined twice`);
      index.set(fullName, object);
    }
    const childNamespace = fullName === undefined ? namespace : namespaceOf(fullName);
    for (const child of childrenOf(object)) visit(child, childNamespace);
  };
  for (const schema of schemas) visit(schema, undefined);
  return index;
}

/**
 * A self-contained copy of `root`: references to named types it does not
 * define are replaced by their definitions from `index` (recursively).
 */
export function bundleSchema(
  root: AvroSchemaJson,
  index: ReadonlyMap<string, AvroSchemaObject>,
): AvroSchemaJson {
  const defined = new Set<string>();
  const inline = (schema: AvroSchemaJson, namespace: string | undefined): AvroSchemaJson => {
    if (typeof schema === 'string') {
      if (isPrimitiveName(schema)) return schema;
      const fullName = fullNameOf(schema, namespace);
      if (defined.has(fullName)) return fullName;
      const definition = index.get(fullName);
      if (definition === undefined) throw new Error(`unknown type ${fullName}`);
      return inline(definition, namespaceOf(fullName));
    }
    if (Array.isArray(schema)) {
      return (schema as readonly AvroSchemaJson[]).map((branch) => inline(branch, namespace));
    }
    const object = schema as AvroSchemaObject;
    const fullName = declaredFullName(object, namespace);
    if (fullName !== undefined) defined.add(fullName);
    const childNamespace = fullName === undefined ? namespace : namespaceOf(fullName);
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(object)) {
      if (key === 'namespace') continue;
      if (key === 'name' && fullName !== undefined) {
        copy.name = shortNameOf(fullName);
        const ownNamespace = namespaceOf(fullName);
        if (ownNamespace !== undefined) copy.namespace = ownNamespace;
        continue;
      }
      if (key === 'fields' && Array.isArray(value)) {
        copy.fields = (value as readonly AvroSchemaObject[]).map((field) => ({
          ...field,
          type: inline(field.type as AvroSchemaJson, childNamespace),
        }));
      } else if (
        (key === 'items' || key === 'values') &&
        (object.type === 'array' || object.type === 'map')
      ) {
        copy[key] = inline(value as AvroSchemaJson, childNamespace);
      } else if (key === 'type' && (isObject(value) || Array.isArray(value))) {
        copy.type = inline(value as AvroSchemaJson, childNamespace);
      } else {
        copy[key] = value;
      }
    }
    return copy;
  };
  return inline(root, undefined);
}
