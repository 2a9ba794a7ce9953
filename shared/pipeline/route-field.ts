/**
 * The field an output route reads (`output: { by: request.model, … }`): a
 * dotted path into the output message. Checked at load against the output
 * kind's Avro schema, so a misspelt or missing field fails at start instead
 * of sending every record to the default topic.
 */
import { loadMessageSchemas, MESSAGE_NAMES, type MessageKind } from '../messages/message-schemas.ts';

/** The value at a dotted path (`request.model`); undefined when a step is missing. */
export function fieldAt(message: unknown, path: string): unknown {
  let value = message;
  for (const step of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[step];
  }
  return value;
}

type AvroType = unknown;

/** A record's fields, looking through a union with null. */
function recordFields(type: AvroType): readonly { name: string; type: AvroType }[] | undefined {
  const candidates = Array.isArray(type) ? type : [type];
  for (const candidate of candidates) {
    if (
      typeof candidate === 'object' &&
      candidate !== null &&
      (candidate as { type?: unknown }).type === 'record'
    ) {
      return (candidate as { fields: { name: string; type: AvroType }[] }).fields;
    }
  }
  return undefined;
}

/** True when the type is a string (alone or in a union with null). */
function isStringType(type: AvroType): boolean {
  return (Array.isArray(type) ? type : [type]).some((t) => t === 'string');
}

/** What is wrong with routing `kind` messages by `path`, or undefined when it names a string field. */
export function routeFieldProblem(kind: MessageKind, path: string): string | undefined {
  const schema = loadMessageSchemas().get(MESSAGE_NAMES[kind]);
  let type: AvroType = schema;
  const steps = path.split('.');
  for (const [index, step] of steps.entries()) {
    const fields = recordFields(type);
    const field = fields?.find((candidate) => candidate.name === step);
    if (field === undefined) {
      const known = fields?.map((candidate) => candidate.name).join(', ') ?? 'none';
      return `${kind} has no field "${steps.slice(0, index + 1).join('.')}" (fields there: ${known})`;
    }
    type = field.type;
  }
  return isStringType(type) ? undefined : `${kind}.${path} is not a string field`;
}
