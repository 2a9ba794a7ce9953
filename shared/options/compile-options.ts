/**
 * The one options pipeline of the project: a zod schema (defaults written next
 * to each field, cross-field rules as refinements) → defaults applied →
 * validated → deep-frozen. Every failure is one KpoError (KPO_CONFIG_INVALID)
 * that names each bad field by its full path, its value, and what was expected:
 *
 *   workers.rag: invalid options
 *     workers.rag.topK: got 0, expected Too small: expected number to be >0
 */
import type { z } from 'zod';
import { KpoError } from '../errors/kpo-error.ts';
import { deepFreeze } from './deep-freeze.ts';

export interface OptionsPlace {
  /** Where the options live, prefixed to every field path: "workers.rag", "stages.inference", "" for a file's root. */
  readonly path: string;
  /** First line of the error, before ": invalid options". Default: the path (or "options"). */
  readonly source?: string;
  /** The stage the options belong to, for the error's context. */
  readonly stage?: string;
}

/** Applies the schema's defaults, validates, and freezes; absent input (undefined/null) means all defaults. */
export function compileOptions<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  place: OptionsPlace,
): Readonly<z.output<S>> {
  const input = raw ?? {};
  const result = schema.safeParse(input);
  if (!result.success) throw optionsError(result.error.issues, input, place);
  return deepFreeze(result.data);
}

/** One bad field: its path inside the options, and what was expected of it. */
export interface OptionsIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  /** zod's unrecognized_keys issue: the misspelt or unknown field names, each reported at its own path. */
  readonly keys?: readonly string[];
}

/** An unknown field is named by its own path (workers.rag.topk), not its parent's. */
function perField(issues: readonly OptionsIssue[]): OptionsIssue[] {
  return issues.flatMap((issue) =>
    issue.keys === undefined
      ? [issue]
      : issue.keys.map((key) => ({ path: [...issue.path, key], message: 'no such field' })),
  );
}

/** The one error format of invalid options (also for checks made outside a schema). */
export function optionsError(reported: readonly OptionsIssue[], raw: unknown, place: OptionsPlace): KpoError {
  const issues = perField(reported);
  const fullPath = (issue: OptionsIssue): string =>
    [place.path, ...issue.path.map(String)].filter((part) => part !== '').join('.') || '<root>';
  const lines = issues.map((issue) => {
    const value = JSON.stringify(valueAt(raw, issue.path)) ?? 'nothing';
    return `${fullPath(issue)}: got ${value}, expected ${issue.message}`;
  });
  const first = issues[0];
  const source = place.source ?? (place.path || 'options');
  return new KpoError('KPO_CONFIG_INVALID', `${source}: invalid options\n  ${lines.join('\n  ')}`, {
    context: {
      field: first === undefined ? place.path || '<root>' : fullPath(first),
      ...(place.stage === undefined ? {} : { stage: place.stage }),
    },
  });
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = raw;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
