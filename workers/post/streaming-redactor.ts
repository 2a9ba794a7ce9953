/**
 * Redaction over a stream of chunks. A secret can be split over chunks
 * ("john.doe@exa" + "mple.com"), so each step redacts only text that no later
 * chunk can change, and holds back the rest:
 *
 * - the held tail is the trailing run of non-whitespace characters (when no
 *   rule crosses whitespace), or the last maxHoldChars characters (when one
 *   does), and never more than maxHoldChars;
 * - rules run over held + new text together; a match that straddles the cut
 *   moves the cut back to its start, so a match is always replaced whole.
 * On the final chunk everything is redacted and released.
 *
 * Pure and synchronous: it runs inside the worker-thread pool.
 */
import type { RedactionRule } from './redaction-rules.ts';

export interface RedactionStep {
  readonly output: string;
  readonly held: string;
}

export interface CompiledRules {
  readonly rules: readonly { readonly regex: RegExp; readonly replacement: string }[];
  readonly crossesWhitespace: boolean;
}

export function compileRules(rules: readonly RedactionRule[]): CompiledRules {
  return {
    rules: rules.map((rule) => ({
      regex: new RegExp(rule.pattern, rule.flags.includes('g') ? rule.flags : `${rule.flags}g`),
      replacement: rule.replacement,
    })),
    crossesWhitespace: rules.some((rule) => rule.crossesWhitespace),
  };
}

interface Match {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

export function redactStep(
  held: string,
  text: string,
  final: boolean,
  compiled: CompiledRules,
  maxHoldChars: number,
): RedactionStep {
  const buffer = held + text;
  if (compiled.rules.length === 0) return { output: buffer, held: '' };
  const matches = findMatches(buffer, compiled);
  let cut = final
    ? buffer.length
    : buffer.length - holdLength(buffer, compiled.crossesWhitespace, maxHoldChars);
  for (const match of matches) {
    if (match.start < cut && match.end > cut) cut = match.start;
  }
  if (!final) {
    // a match ending exactly at the end of the buffer may still grow with the next chunk
    for (const match of matches) if (match.end === buffer.length && match.start < cut) cut = match.start;
  }
  let output = '';
  let at = 0;
  for (const match of matches) {
    if (match.end > cut) break;
    output += buffer.slice(at, match.start) + match.replacement;
    at = match.end;
  }
  output += buffer.slice(at, cut);
  return { output, held: buffer.slice(cut) };
}

function holdLength(buffer: string, crossesWhitespace: boolean, maxHoldChars: number): number {
  if (crossesWhitespace) return Math.min(buffer.length, maxHoldChars);
  let length = 0;
  while (
    length < buffer.length &&
    length < maxHoldChars &&
    !/\s/.test(buffer[buffer.length - 1 - length] ?? ' ')
  ) {
    length += 1;
  }
  return length;
}

/** Leftmost, non-overlapping matches of all rules (earlier rules win ties). */
function findMatches(buffer: string, compiled: CompiledRules): Match[] {
  const all: Match[] = [];
  for (const rule of compiled.rules) {
    rule.regex.lastIndex = 0;
    for (const found of buffer.matchAll(rule.regex)) {
      if (found[0].length === 0) continue;
      all.push({ start: found.index, end: found.index + found[0].length, replacement: rule.replacement });
    }
  }
  all.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Match[] = [];
  for (const match of all) {
    const last = kept.at(-1);
    if (last === undefined || match.start >= last.end) kept.push(match);
  }
  return kept;
}
