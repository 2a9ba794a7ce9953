/**
 * Text Generation Inference adapter: POST /generate_stream. Each event has
 * token {id, text, logprob, special}; the last one carries generated_text and
 * details {finish_reason, generated_tokens}. Special tokens add no text.
 */
import { GenerationTracker, normalizeFinishReason } from './generation-tracker.ts';
import { postForJsonEvents, streamCallOptions } from './http-stream-call.ts';
import { asBoolean, asNumber, asObject, asString } from './json-fields.ts';
import type { ModelClient } from './model-client.ts';
import { flatPrompt } from './prompt-format.ts';
import type { CallOptions, GenerationEvent, GenerationRequest, ModelCapabilities } from './types.ts';
import { KpoError } from '../errors/kpo-error.ts';

export interface TgiClientOptions {
  readonly name: string;
  readonly baseUrl: string;
  readonly apiKey?: string;
}

export class TgiClient implements ModelClient {
  readonly name: string;
  readonly capabilities: ModelCapabilities = {
    batching: false,
    slots: false,
    prefixCache: false,
    continuation: false,
  };
  private readonly baseUrl: string;

  constructor(private readonly options: TgiClientOptions) {
    this.name = options.name;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  async *generate(request: GenerationRequest, options: CallOptions = {}): AsyncGenerator<GenerationEvent> {
    const { params } = request;
    // TGI refuses temperature 0: greedy decoding is do_sample false.
    const sampling = params.temperature !== undefined && params.temperature > 0;
    const body = {
      inputs: flatPrompt(request),
      parameters: {
        max_new_tokens: params.maxTokens,
        do_sample: sampling,
        ...(sampling ? { temperature: params.temperature } : {}),
        ...(params.topP !== undefined && params.topP < 1 ? { top_p: params.topP } : {}),
        ...(params.seed === undefined || params.seed === null ? {} : { seed: params.seed }),
        ...(params.stop === undefined ? {} : { stop: params.stop }),
        details: true,
      },
      stream: true,
    };
    const tracker = new GenerationTracker(this.name);
    const stream = postForJsonEvents(
      `${this.baseUrl}/generate_stream`,
      body,
      streamCallOptions(this.name, this.options.apiKey, request.requestId, options.signal),
    );
    for await (const data of stream) {
      const token = asObject(data['token']);
      if (token !== undefined) {
        const text = asBoolean(token['special']) === true ? '' : (asString(token['text']) ?? '');
        const chunk = tracker.token(text, 1);
        if (chunk !== undefined && text !== '') yield chunk;
      }
      if (asString(data['generated_text']) !== undefined) {
        const details = asObject(data['details']);
        const generated = asNumber(details?.['generated_tokens']);
        yield tracker.result(
          normalizeFinishReason(asString(details?.['finish_reason'])),
          generated === undefined ? {} : { completionTokens: generated },
          request.promptTokens,
        );
        return;
      }
    }
    throw new KpoError('KPO_MODEL_STREAM', 'TGI stream ended before generated_text', {
      retryable: true,
      context: { endpoint: this.name, requestId: request.requestId },
    });
  }
}
