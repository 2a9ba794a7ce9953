/**
 * Redaction rules: regular expressions whose matches are replaced before text
 * reaches the client. Built in: email addresses and API-key-like strings.
 * Rules travel to the worker-thread pool as plain data (source + flags).
 */

export interface RedactionRule {
  /** Name, used in the default replacement "[REDACTED:<name>]". */
  readonly name: string;
  /** RegExp source. */
  readonly pattern: string;
  /** RegExp flags ("g" is always added). */
  readonly flags: string;
  /** Replacement text. */
  readonly replacement: string;
  /**
   * True if a match may contain whitespace. Rules that never do let the redactor hold back only the
   * trailing word of each chunk; otherwise it holds back maxHoldChars.
   */
  readonly crossesWhitespace: boolean;
}

export const BUILTIN_REDACTION_RULES = {
  email: {
    name: 'email',
    pattern: String.raw`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`,
    flags: '',
    replacement: '[REDACTED:email]',
    crossesWhitespace: false,
  },
  'api-key': {
    name: 'api-key',
    // sk-/pk-/rk- style keys, GitHub tokens, AWS access key IDs, Slack tokens, bearer-style long secrets
    pattern: String.raw`\b(?:(?:sk|pk|rk)-(?:[A-Za-z0-9_-]{2,}-)?[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,})`,
    flags: '',
    replacement: '[REDACTED:api-key]',
    crossesWhitespace: false,
  },
} as const satisfies Record<string, RedactionRule>;

export type BuiltinRedactionRuleName = keyof typeof BUILTIN_REDACTION_RULES;
