/**
 * llama.cpp native adapter: POST /completion with stream, cache_prompt and
 * id_slot. Each event carries `content`; the last has stop: true plus
 * tokens_evaluated, tokens_cached and timings (prompt_n = prompt tokens
 * actually evaluated, so the cached ones are tokens_evaluated − prompt_n).
 * The final event's id_slot becomes the result's slot, so routing can pin the
 * session's next request to it (hints.idSlot).
 */
import { GenerationTracker, normalizeFinishReason } from './generation-tracker.ts';
import { postForJsonEvents, streamCallOptions } from './http-stream-call.ts';
import { asBoolean, asNumber, asObject, asString, type JsonObject } from './json-fields.ts';
import type { ModelClient } from './model-client.ts';
import { flatPrompt } from './prompt-format.ts';
import type {
  CallOptions,
  GenerationEvent,
  GenerationRequest,
  ModelCapabilities,
  TokenUsage,
} from './types.ts';
import { KpoError } from '../errors/kpo-error.ts';

export interface LlamaCppClientOptions {
  readonly name: string;
  readonly baseUrl: string;
  readonly apiKey?: string;
}

function finishOf(final: JsonObject): string {
  const stopType = asString(final['stop_type']);
  if (stopType !== undefined) return stopType === 'limit' ? 'length' : 'stop';
  return asBoolean(final['stopped_limit']) === true ? 'length' : 'stop';
}

function usageOf(final: JsonObject): Partial<TokenUsage> {
  const evaluated = asNumber(final['tokens_evaluated']);
  const timings = asObject(final['timings']);
  const promptN = asNumber(timings?.['prompt_n']);
  const cachedReported = asNumber(final['tokens_cached']);
  const cached =
    evaluated !== undefined && promptN !== undefined
      ? Math.max(0, evaluated - promptN)
      : (cachedReported ?? 0);
  const predicted = asNumber(final['tokens_predicted']);
  return {
    ...(evaluated === undefined ? {} : { promptTokens: evaluated }),
    ...(predicted === undefined ? {} : { completionTokens: predicted }),
    cachedTokens: cached,
  };
}

/** The slot that served the request (final event's id_slot), when it is a real slot number. */
function slotOf(final: JsonObject): number | undefined {
  const slot = asNumber(final['id_slot']);
  return slot !== undefined && Number.isInteger(slot) && slot >= 0 ? slot : undefined;
}

export class LlamaCppClient implements ModelClient {
  readonly name: string;
  readonly capabilities: ModelCapabilities = {
    batching: false,
    slots: true,
    prefixCache: true,
    // /completion continues any raw prompt: flatPrompt() appends the partial answer.
    continuation: true,
  };
  private readonly baseUrl: string;

  constructor(private readonly options: LlamaCppClientOptions) {
    this.name = options.name;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async *generate(request: GenerationRequest, options: CallOptions = {}): AsyncGenerator<GenerationEvent> {
    const { params, hints } = request;
    const body = {
      prompt: flatPrompt(request),
      n_predict: params.maxTokens,
      ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
      ...(params.topP === undefined ? {} : { top_p: params.topP }),
      ...(params.seed === undefined || params.seed === null ? {} : { seed: params.seed }),
      ...(params.stop === undefined ? {} : { stop: params.stop }),
      stream: true,
      cache_prompt: hints?.cachePrompt ?? true,
      id_slot: hints?.idSlot ?? -1,
    };
    const tracker = new GenerationTracker(this.name);
    const stream = postForJsonEvents(
      `${this.baseUrl}/completion`,
      body,
      streamCallOptions(this.name, this.options.apiKey, request.requestId, options.signal),
    );
    for await (const data of stream) {
      const content = asString(data['content']) ?? '';
      const chunk = tracker.token(content, content === '' ? 0 : 1);
      if (chunk !== undefined) yield chunk;
      if (asBoolean(data['stop']) === true) {
        const result = tracker.result(
          normalizeFinishReason(finishOf(data)),
          usageOf(data),
          request.promptTokens,
        );
        const slot = slotOf(data);
        yield slot === undefined ? result : { ...result, slot };
        return;
      }
    }
    throw new KpoError('KPO_MODEL_STREAM', 'llama.cpp stream ended before stop: true', {
      retryable: true,
      context: { endpoint: this.name, requestId: request.requestId },
    });
  }
}
