/**
 * Interprets the chunks of an OpenAI-compatible SSE stream (chat or
 * completions): same id on every chunk, choices[].delta.content or
 * choices[].text, finish_reason, a usage-only last chunk with empty choices
 * (stream_options.include_usage), usage.prompt_tokens_details.cached_tokens,
 * `data: [DONE]`, and `{"error": …}` events mid-stream.
 */
import { KpoError } from '../errors/kpo-error.ts';
import { errorFromStreamEvent } from './http-errors.ts';
import { asArray, asNumber, asObject, asString, type JsonObject } from './json-fields.ts';
import { parseEventJson } from './sse-reader.ts';
import type { TokenUsage } from './types.ts';

export interface OpenAiChoiceDelta {
  readonly index: number;
  readonly text: string;
  readonly finishReason: string | undefined;
}

export type OpenAiStreamItem =
  | { readonly kind: 'done' }
  | { readonly kind: 'chunk'; readonly choices: readonly OpenAiChoiceDelta[]; readonly usage?: TokenUsage };

export function readOpenAiUsage(value: unknown): TokenUsage | undefined {
  const usage = asObject(value);
  if (usage === undefined) return undefined;
  const details = asObject(usage['prompt_tokens_details']);
  return {
    promptTokens: asNumber(usage['prompt_tokens']) ?? 0,
    completionTokens: asNumber(usage['completion_tokens']) ?? 0,
    cachedTokens: asNumber(details?.['cached_tokens']) ?? 0,
  };
}

function choiceText(choice: JsonObject): string {
  const delta = asObject(choice['delta']);
  if (delta !== undefined) return asString(delta['content']) ?? '';
  return asString(choice['text']) ?? '';
}

/** Checks chunk ids: every chunk of one stream carries the same id. */
export class OpenAiStreamParser {
  private streamId: string | undefined;

  constructor(private readonly endpoint: string) {}

  parse(data: string, eventName: string | undefined): OpenAiStreamItem {
    if (data.trim() === '[DONE]') return { kind: 'done' };
    const body = parseEventJson(data);
    const chunk = asObject(body);
    if (
      eventName === 'error' ||
      chunk === undefined ||
      chunk['error'] !== undefined ||
      chunk['object'] === 'error'
    ) {
      throw errorFromStreamEvent(body ?? data, this.endpoint);
    }
    const id = asString(chunk['id']);
    if (id !== undefined) {
      this.streamId ??= id;
      if (id !== this.streamId) {
        throw new KpoError('KPO_MODEL_STREAM', 'chunk ids changed inside one stream', {
          retryable: true,
          context: { endpoint: this.endpoint },
        });
      }
    }
    const choices = asArray(chunk['choices']).flatMap((value, position) => {
      const choice = asObject(value);
      if (choice === undefined) return [];
      return [
        {
          index: asNumber(choice['index']) ?? position,
          text: choiceText(choice),
          finishReason: asString(choice['finish_reason']),
        },
      ];
    });
    const usage = readOpenAiUsage(chunk['usage']);
    return usage === undefined ? { kind: 'chunk', choices } : { kind: 'chunk', choices, usage };
  }
}
