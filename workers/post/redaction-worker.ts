/**
 * Entry point of the redaction worker threads (piscina). Regexes run here,
 * never on the event loop. Compiled rules are cached per rule set.
 */
import type { RedactionRule } from './redaction-rules.ts';
import { compileRules, redactStep, type CompiledRules, type RedactionStep } from './streaming-redactor.ts';

export interface RedactionTask {
  /** Identifies the rule set, so each thread compiles it once. */
  readonly rulesKey: string;
  readonly rules: readonly RedactionRule[];
  readonly held: string;
  readonly text: string;
  readonly final: boolean;
  readonly maxHoldChars: number;
}

const compiledByKey = new Map<string, CompiledRules>();

export default function runRedactionTask(task: RedactionTask): RedactionStep {
  let compiled = compiledByKey.get(task.rulesKey);
  if (compiled === undefined) {
    compiled = compileRules(task.rules);
    compiledByKey.set(task.rulesKey, compiled);
  }
  return redactStep(task.held, task.text, task.final, compiled, task.maxHoldChars);
}
