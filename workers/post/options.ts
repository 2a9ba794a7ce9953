/**
 * Options of the post stage: the `workers.post` section of the pipeline file.
 * Every default is written next to its field.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { compileOptions } from '../../shared/options/compile-options.ts';
import { BUILTIN_REDACTION_RULES, type RedactionRule } from './redaction-rules.ts';

const customRuleSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[\w-]+$/),
    /** RegExp source, e.g. "\\b\\d{3}-\\d{2}-\\d{4}\\b". */
    pattern: z.string().min(1),
    /** RegExp flags; "g" is added. Default "". */
    flags: z
      .string()
      .regex(/^[imsuy]*g?[imsuy]*$/)
      .default(''),
    /** Default "[REDACTED:<name>]". */
    replacement: z.string().optional(),
    /** True if a match may contain whitespace (the redactor then holds back more text). Default false. */
    crossesWhitespace: z.boolean().default(false),
  })
  .strict()
  .superRefine((rule, ctx) => {
    try {
      new RegExp(rule.pattern, rule.flags);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: ['pattern'], message: `not a valid RegExp: ${String(error)}` });
    }
  });

export const postOptionsSchema = z
  .object({
    /** Stop sequences applied to every request (TokenChunk does not carry the request's own list). Default []. */
    stopSequences: z.array(z.string().min(1)).default([]),
    redaction: z
      .object({
        /** Built-in rules to apply: "email", "api-key". Default [] (redaction off). */
        builtins: z.array(z.enum(['email', 'api-key'])).default([]),
        /** Extra rules. Default []. */
        rules: z.array(customRuleSchema).default([]),
        /** Most characters held back per request waiting for the next chunk. Default 128. */
        maxHoldChars: z.number().int().positive().default(128),
        /** Worker threads of the redaction pool. Default: available cores, at most 4. */
        threads: z.number().int().positive().default(Math.min(4, availableParallelism())),
        /** A redaction task running longer than this fails (retryable). Default 2000 ms. */
        taskTimeoutMs: z.number().int().positive().default(2_000),
      })
      .strict()
      .default({
        builtins: [],
        rules: [],
        maxHoldChars: 128,
        threads: Math.min(4, availableParallelism()),
        taskTimeoutMs: 2_000,
      }),
    /** Longest output in characters; longer ends the stream with finishReason "length". 0 = no limit. Default 0. */
    maxChars: z.number().int().nonnegative().default(0),
    /** Most output tokens (sum of chunk tokenCount); more ends with "length". 0 = no limit. Default 0. */
    maxTokens: z.number().int().nonnegative().default(0),
    /** Requests with live state kept at most (least recently used go first). Default 10000. */
    maxRequests: z.number().int().positive().default(10_000),
    /** State of a request idle this long is dropped (abandoned streams). Default 600000 ms (10 min). */
    requestIdleTtlMs: z.number().int().positive().default(600_000),
  })
  .strict();

export type PostOptions = z.infer<typeof postOptionsSchema>;

/** Validates `workers.post` (absent = all defaults) and freezes it. */
export function parsePostOptions(raw: unknown): Readonly<PostOptions> {
  return compileOptions(postOptionsSchema, raw, { path: 'workers.post', stage: 'post' });
}

/** The redaction rules the options ask for, built-ins first. */
export function redactionRules(options: Readonly<PostOptions>): RedactionRule[] {
  return [
    ...options.redaction.builtins.map((name) => BUILTIN_REDACTION_RULES[name]),
    ...options.redaction.rules.map((rule) => ({
      name: rule.name,
      pattern: rule.pattern,
      flags: rule.flags,
      replacement: rule.replacement ?? `[REDACTED:${rule.name}]`,
      crossesWhitespace: rule.crossesWhitespace,
    })),
  ];
}
