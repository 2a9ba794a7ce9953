/**
 * OpenAI-compatible adapter: /v1/chat/completions or /v1/completions with SSE
 * streaming. Serves OpenAI, vLLM, TGI's Messages API, llama.cpp's server and
 * Ollama. The batch entry point sends an array of prompts to /v1/completions
 * (vLLM and the simulator accept it) and splits the streamed choices by index.
 */
import { KpoError } from '../errors/kpo-error.ts';
import { GenerationTracker, normalizeFinishReason } from './generation-tracker.ts';
import { postForEvents, streamCallOptions } from './http-stream-call.ts';
import type { ModelClient } from './model-client.ts';
import { OpenAiStreamParser } from './openai-stream-parser.ts';
import { flatPrompt } from './prompt-format.ts';
import type {
  CallOptions,
  GenerationEvent,
  GenerationRequest,
  GenerationResult,
  ModelCapabilities,
  TokenUsage,
} from './types.ts';

export interface OpenAiClientOptions {
  readonly name: string;
  /** Base URL without /v1, e.g. http://127.0.0.1:8001. */
  readonly baseUrl: string;
  readonly apiKey?: string;
  /** Which API to call for generate(). Default 'chat'. */
  readonly api?: 'chat' | 'completions';
  /** The server accepts an array of prompts on /v1/completions. Default false. */
  readonly batching?: boolean;
  /** The server reports cached_tokens. Default true. */
  readonly prefixCache?: boolean;
  /**
   * The server continues a partial final assistant message (vLLM, SGLang, llama.cpp's server:
   * `continue_final_message`) or a raw completions prompt. Default false: OpenAI's hosted API cannot.
   */
  readonly continuation?: boolean;
}

function samplingBody(request: GenerationRequest): Record<string, unknown> {
  const { params } = request;
  return {
    model: request.model,
    max_tokens: params.maxTokens,
    ...(params.temperature === undefined ? {} : { temperature: params.temperature }),
    ...(params.topP === undefined ? {} : { top_p: params.topP }),
    ...(params.seed === undefined || params.seed === null ? {} : { seed: params.seed }),
    ...(params.stop === undefined || params.stop.length === 0 ? {} : { stop: params.stop }),
    stream: true,
    stream_options: { include_usage: true },
  };
}

/** The chat turns; a continuation is the last assistant message, continued rather than answered anew. */
function chatMessages(request: GenerationRequest): Record<string, unknown> {
  if (request.continuation === undefined) return { messages: request.messages };
  return {
    messages: [...request.messages, { role: 'assistant', content: request.continuation }],
    continue_final_message: true,
    add_generation_prompt: false,
  };
}

function missingFinish(endpoint: string, requestId: string): KpoError {
  return new KpoError('KPO_MODEL_STREAM', 'model stream ended before a finish reason', {
    retryable: true,
    context: { endpoint, requestId },
  });
}

export class OpenAiCompatibleClient implements ModelClient {
  readonly name: string;
  readonly capabilities: ModelCapabilities;
  private readonly baseUrl: string;

  constructor(private readonly options: OpenAiClientOptions) {
    this.name = options.name;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.capabilities = {
      batching: options.batching ?? false,
      slots: false,
      prefixCache: options.prefixCache ?? true,
      continuation: options.continuation ?? false,
    };
  }

  async *generate(request: GenerationRequest, options: CallOptions = {}): AsyncGenerator<GenerationEvent> {
    const chat = (this.options.api ?? 'chat') === 'chat';
    const body = chat
      ? { ...samplingBody(request), ...chatMessages(request) }
      : { ...samplingBody(request), prompt: flatPrompt(request) };
    const url = `${this.baseUrl}/v1/${chat ? 'chat/completions' : 'completions'}`;
    const tracker = new GenerationTracker(this.name);
    const parser = new OpenAiStreamParser(this.name);
    let finish: string | undefined;
    let usage: TokenUsage | undefined;
    for await (const event of postForEvents(url, body, this.callOptions(request, options))) {
      const item = parser.parse(event.data, event.event);
      if (item.kind === 'done') break;
      usage = item.usage ?? usage;
      for (const choice of item.choices) {
        const chunk = tracker.token(choice.text, choice.text === '' ? 0 : 1);
        if (chunk !== undefined) yield chunk;
        finish = choice.finishReason ?? finish;
      }
    }
    if (finish === undefined) throw missingFinish(this.name, request.requestId);
    yield tracker.result(normalizeFinishReason(finish), usage ?? {}, request.promptTokens);
  }

  async generateBatch(
    requests: readonly GenerationRequest[],
    options: CallOptions = {},
  ): Promise<GenerationResult[]> {
    const first = requests[0];
    if (first === undefined) return [];
    const body = { ...samplingBody(first), prompt: requests.map(flatPrompt) };
    const url = `${this.baseUrl}/v1/completions`;
    const startedAt = performance.now();
    const trackers = requests.map(() => new GenerationTracker(this.name, startedAt));
    const finishes: (string | undefined)[] = requests.map(() => undefined);
    const parser = new OpenAiStreamParser(this.name);
    let usage: TokenUsage | undefined;
    for await (const event of postForEvents(url, body, this.callOptions(first, options))) {
      const item = parser.parse(event.data, event.event);
      if (item.kind === 'done') break;
      usage = item.usage ?? usage;
      for (const choice of item.choices) {
        const tracker = trackers[choice.index];
        if (tracker === undefined) continue;
        tracker.token(choice.text, choice.text === '' ? 0 : 1);
        finishes[choice.index] = choice.finishReason ?? finishes[choice.index];
      }
    }
    return requests.map((request, index) => {
      const finish = finishes[index];
      if (finish === undefined) throw missingFinish(this.name, request.requestId);
      const tracker = trackers[index]!;
      return tracker.result(
        normalizeFinishReason(finish),
        splitUsage(usage, request, requests),
        request.promptTokens,
      );
    });
  }

  private callOptions(request: GenerationRequest, options: CallOptions) {
    return streamCallOptions(this.name, this.options.apiKey, request.requestId, options.signal);
  }
}

/**
 * A batch call reports one usage for all prompts. Completion tokens are
 * counted per choice by the tracker; prompt and cached tokens are shared out
 * in proportion to each prompt's length.
 */
function splitUsage(
  usage: TokenUsage | undefined,
  request: GenerationRequest,
  batch: readonly GenerationRequest[],
): Partial<TokenUsage> {
  if (usage === undefined) return {};
  const length = (r: GenerationRequest) => r.promptTokens ?? flatPrompt(r).length;
  const total = batch.reduce((sum, r) => sum + length(r), 0);
  const share = total === 0 ? 1 / batch.length : length(request) / total;
  return {
    promptTokens: Math.round(usage.promptTokens * share),
    cachedTokens: Math.round(usage.cachedTokens * share),
  };
}
