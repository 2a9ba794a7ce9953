/**
 * Schema evolution checks with avsc's resolver, explained down to the field.
 * BACKWARD: a reader on the new schema reads data an old writer wrote.
 * FORWARD: a reader still on the old schema reads data the new writer wrote
 * (workers of different versions share topics during a rolling upgrade).
 * FULL is both; the evolution test holds every schema to FULL against its
 * last released snapshot.
 */
import avro from 'avsc';

export type CompatibilityDirection = 'BACKWARD' | 'FORWARD';

export interface CompatibilityProblem {
  readonly direction: CompatibilityDirection;
  /** Path of the offending field, e.g. "request.messages[].content"; "(root)" when it is the whole type. */
  readonly field: string;
  readonly reason: string;
}

function join(path: string, segment: string): string {
  return path === '' ? segment : `${path}.${segment}`;
}

function isUnion(type: avro.Type): type is avro.types.UnwrappedUnionType | avro.types.WrappedUnionType {
  return type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType;
}

function unwrap(type: avro.Type): avro.Type {
  return type instanceof avro.types.LogicalType ? type.underlyingType : type;
}

/** Why `reader` cannot read what `writer` wrote, at the deepest field that explains it; undefined when it can. */
export function findResolutionProblem(
  reader: avro.Type,
  writer: avro.Type,
  path = '',
): { readonly field: string; readonly reason: string } | undefined {
  let reason: string;
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  }
  const r = unwrap(reader);
  const w = unwrap(writer);
  if (r instanceof avro.types.RecordType && w instanceof avro.types.RecordType) {
    for (const field of r.fields) {
      const match = w.fields.find(
        (candidate) => candidate.name === field.name || field.aliases.includes(candidate.name),
      );
      const fieldPath = join(path, field.name);
      if (match === undefined) {
        if (field.defaultValue() === undefined) {
          return {
            field: fieldPath,
            reason: `field ${fieldPath} is in the reader without a default, and the writer lacks it`,
          };
        }
        continue;
      }
      const nested = findResolutionProblem(field.type, match.type, fieldPath);
      if (nested !== undefined) return nested;
    }
  } else if (r instanceof avro.types.ArrayType && w instanceof avro.types.ArrayType) {
    const nested = findResolutionProblem(r.itemsType, w.itemsType, `${path}[]`);
    if (nested !== undefined) return nested;
  } else if (isUnion(r) || isUnion(w)) {
    // Match record branches by name and look inside them; other branch problems are reported at this field.
    const readerBranches = isUnion(r) ? r.types : [r];
    const writerBranches = isUnion(w) ? w.types : [w];
    for (const writerBranch of writerBranches) {
      const readerBranch = readerBranches.find(
        (branch) => branch.name !== undefined && branch.name === writerBranch.name,
      );
      if (readerBranch === undefined) continue;
      const nested = findResolutionProblem(readerBranch, writerBranch, path);
      if (nested !== undefined) return nested;
    }
  } else if (r instanceof avro.types.MapType && w instanceof avro.types.MapType) {
    const nested = findResolutionProblem(r.valuesType as avro.Type, w.valuesType as avro.Type, `${path}{}`);
    if (nested !== undefined) return nested;
  }
  return { field: path === '' ? '(root)' : path, reason: `${path === '' ? '(root)' : path}: ${reason}` };
}

/** Every FULL-compatibility problem between the current schema and a released one (empty = compatible). */
export function fullCompatibilityProblems(current: avro.Type, released: avro.Type): CompatibilityProblem[] {
  const problems: CompatibilityProblem[] = [];
  const backward = findResolutionProblem(current, released);
  if (backward !== undefined) problems.push({ direction: 'BACKWARD', ...backward });
  const forward = findResolutionProblem(released, current);
  if (forward !== undefined) problems.push({ direction: 'FORWARD', ...forward });
  return problems;
}
