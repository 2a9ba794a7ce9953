/**
 * What never reaches a log line, and the one way prompt text may.
 *
 * Rule: prompt text, message content and secrets are never logged at info or
 * above. Prompt text may be logged only at debug/trace and only under the
 * dedicated field `promptText` (logger.debug({ promptText }, 'prompt')); at
 * info and above that field is replaced by "[redacted]". The fields below are
 * redacted at every level, top-level and one object deep, so a payload or a
 * config object passed by mistake does not leak.
 */
export const PROMPT_TEXT_FIELD = 'promptText';
export const REDACTED = '[redacted]';

const SENSITIVE_KEYS = [
  'prompt',
  'messages',
  'content',
  'text',
  'completion',
  'apiKey',
  'api_key',
  'authorization',
  'Authorization',
  'password',
  'token',
] as const;

export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...SENSITIVE_KEYS,
  ...SENSITIVE_KEYS.map((key) => `*.${key}`),
  'headers.authorization',
  'headers["x-api-key"]',
]);
