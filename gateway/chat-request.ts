/**
 * The body of POST /v1/chat/completions: validated with zod (strict, so a
 * field the pipeline cannot honour is refused, never silently dropped), and
 * every failure names OpenAI's `param` (e.g. "messages[1].content").
 */
import { z } from 'zod';
import type { ChatMessage } from '../shared/messages/types.ts';
import { invalidRequest, type GatewayHttpError } from './openai-error.ts';

/** OpenAI request fields the pipeline has no way to honour: refused by name, not as "unrecognized". */
const UNSUPPORTED_FIELDS = new Set([
  'tools',
  'tool_choice',
  'functions',
  'function_call',
  'parallel_tool_calls',
  'logit_bias',
  'top_logprobs',
  'audio',
  'modalities',
  'prediction',
  'web_search_options',
  'reasoning_effort',
]);

const textPart = z.strictObject({ type: z.literal('text'), text: z.string() });

const message = z.strictObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([z.string(), z.array(textPart).min(1)]),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
});

const chatRequestSchema = z.strictObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  max_tokens: z.number().int().positive().nullish(),
  max_completion_tokens: z.number().int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  user: z.string().max(256).optional(),
  stream: z.boolean().nullish(),
  stream_options: z.strictObject({ include_usage: z.boolean().optional() }).nullish(),
  // Accepted only with the one value the pipeline can honour.
  n: z.literal(1).nullish(),
  logprobs: z.literal(false).nullish(),
  presence_penalty: z.literal(0).nullish(),
  frequency_penalty: z.literal(0).nullish(),
  response_format: z.strictObject({ type: z.literal('text') }).nullish(),
  // Harmless: carried through (metadata) or meaningless here (store, service_tier).
  metadata: z.record(z.string(), z.string()).nullish(),
  store: z.boolean().nullish(),
  service_tier: z.string().nullish(),
});

type ChatRequestBody = z.infer<typeof chatRequestSchema>;

/** A chat completion request, ready to become a PromptRequest. */
export interface ChatRequest {
  readonly model: string;
  readonly messages: ChatMessage[];
  /** Null: the gateway's default applies. */
  readonly maxTokens: number | null;
  readonly temperature: number;
  readonly topP: number;
  readonly seed: number | null;
  readonly stop: string[];
  readonly user: string | undefined;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly metadata: Record<string, string>;
}

export type ParseResult =
  | { readonly ok: true; readonly request: ChatRequest }
  | { readonly ok: false; readonly error: GatewayHttpError };

export function parseChatRequest(body: unknown): ParseResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, error: invalidRequest('the request body must be a JSON object', null) };
  }
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, error: errorFor(parsed.error.issues[0], body) };
  const b = parsed.data;
  if (b.stream_options && b.stream !== true) {
    return {
      ok: false,
      error: invalidRequest('stream_options is only allowed when stream is true', 'stream_options'),
    };
  }
  return { ok: true, request: toChatRequest(b) };
}

function toChatRequest(b: ChatRequestBody): ChatRequest {
  return {
    model: b.model,
    messages: b.messages.map((m) => ({
      // "developer" is OpenAI's newer name for the system role.
      role: m.role === 'developer' ? 'system' : m.role,
      content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
    })),
    maxTokens: b.max_completion_tokens ?? b.max_tokens ?? null,
    temperature: b.temperature ?? 1,
    topP: b.top_p ?? 1,
    seed: b.seed ?? null,
    stop: b.stop === null || b.stop === undefined ? [] : typeof b.stop === 'string' ? [b.stop] : b.stop,
    user: b.user,
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
    metadata: b.metadata ?? {},
  };
}

function errorFor(issue: z.core.$ZodIssue | undefined, body: object): GatewayHttpError {
  if (!issue) return invalidRequest('invalid request body', null);
  const path = paramOf(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const param = path === null ? key : `${path}.${key}`;
    return UNSUPPORTED_FIELDS.has(key)
      ? invalidRequest(`${param} is not supported by this pipeline`, param, 'unsupported_parameter')
      : invalidRequest(`Unrecognized request argument supplied: ${param}`, param, 'unknown_parameter');
  }
  const param = path ?? 'body';
  if (valueAt(body, issue.path) === undefined) {
    return invalidRequest(`Missing required parameter: ${param}`, param, 'missing_required_parameter');
  }
  // The only unions are message content and stop; zod's own text for them is just "Invalid input".
  const reason =
    issue.code === 'invalid_union'
      ? param === 'stop'
        ? 'expected a string or an array of at most 4 strings'
        : 'expected a string or a non-empty array of {"type": "text", "text": …} parts'
      : issue.message;
  return invalidRequest(`Invalid value for ${param}: ${reason}`, param, 'invalid_value');
}

function valueAt(body: object, path: readonly PropertyKey[]): unknown {
  let value: unknown = body;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** ["messages", 0, "content"] → "messages[0].content". */
function paramOf(path: readonly PropertyKey[]): string | null {
  let out = '';
  for (const key of path)
    out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? null : out;
}
