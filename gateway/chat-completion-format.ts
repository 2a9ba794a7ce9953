/**
 * The pipeline's client events in OpenAI's chat completion shapes: the
 * streamed `chat.completion.chunk`s (one id, choices[].delta, finish_reason,
 * an optional usage chunk with empty choices) and the one-body
 * `chat.completion`.
 */
import type { ClientEvent, Usage } from '../shared/messages/types.ts';

export interface CompletionIdentity {
  /** "chatcmpl-<request id>": the same on every chunk of a stream. */
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly model: string;
}

export type FinishReason = 'stop' | 'length' | 'content_filter';

export interface OpenAiUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly prompt_tokens_details: { readonly cached_tokens: number };
}

export function completionIdentity(requestId: string, model: string, nowMs = Date.now()): CompletionIdentity {
  return { id: `chatcmpl-${requestId}`, created: Math.floor(nowMs / 1000), model };
}

export function openAiUsage(usage: Usage | null): OpenAiUsage {
  const prompt = usage?.promptTokens ?? 0;
  const completion = usage?.completionTokens ?? 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: usage?.cachedTokens ?? 0 },
  };
}

/**
 * OpenAI's finish_reason for a done event: the reason the model server or the
 * post stage gave when it is one OpenAI knows. Events written before the field
 * existed carry none; then a completion that used the whole token allowance
 * ended on the length limit.
 */
export function finishReasonOf(event: ClientEvent, maxTokens: number): FinishReason {
  const reason = event.finishReason;
  if (reason === 'stop' || reason === 'length' || reason === 'content_filter') return reason;
  const usage = event.usage;
  return usage !== null && usage.completionTokens >= maxTokens ? 'length' : 'stop';
}

/** The fields every chunk and body repeats. */
function envelope(identity: CompletionIdentity, object: 'chat.completion' | 'chat.completion.chunk') {
  return {
    id: identity.id,
    object,
    created: identity.created,
    model: identity.model,
    system_fingerprint: null,
  };
}

/** One streamed chunk; `usage` is present (null until the last chunk) only when the client asked for it. */
export function chunk(
  identity: CompletionIdentity,
  delta: { readonly role?: 'assistant'; readonly content?: string },
  finishReason: FinishReason | null,
  includeUsage: boolean,
): string {
  return JSON.stringify({
    ...envelope(identity, 'chat.completion.chunk'),
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
}

/** The last chunk when stream_options.include_usage: empty choices, the request's usage. */
export function usageChunk(identity: CompletionIdentity, usage: Usage | null): string {
  return JSON.stringify({
    ...envelope(identity, 'chat.completion.chunk'),
    choices: [],
    usage: openAiUsage(usage),
  });
}

export function completionBody(
  identity: CompletionIdentity,
  text: string,
  finishReason: FinishReason,
  usage: Usage | null,
): Record<string, unknown> {
  return {
    ...envelope(identity, 'chat.completion'),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage: openAiUsage(usage),
  };
}
