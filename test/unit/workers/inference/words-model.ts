/**
 * A model for inference handler tests: answers with a fixed list of words, one
 * token each, and continues a partial answer the way a real continuation does
 * (GenerationRequest.continuation: the words it spells are skipped). Can break
 * its stream after some tokens, once per call number asked.
 */
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import type { GenerationEvent, GenerationRequest } from '../../../../shared/model/types.ts';
import type { GenerateStream } from '../../../../workers/inference/handler.ts';

export const ANSWER_WORDS = [
  'Kafka',
  ' keeps',
  ' a',
  ' log',
  ' of',
  ' records',
  ' in',
  ' order',
  ' per',
  ' partition',
];

export interface WordsModel {
  readonly generate: GenerateStream;
  /** Every request the model got, in order. */
  readonly requests: GenerationRequest[];
}

/** breaks[n] = after how many tokens call n (0-based) breaks its stream. */
export function wordsModel(breaks: Readonly<Record<number, number>> = {}, delayMs = 0): WordsModel {
  const requests: GenerationRequest[] = [];
  async function* stream(request: GenerationRequest, signal: AbortSignal): AsyncGenerator<GenerationEvent> {
    const call = requests.push(request) - 1;
    let skip = 0;
    for (let given = ''; skip < ANSWER_WORDS.length && given !== (request.continuation ?? ''); skip++) {
      given += ANSWER_WORDS[skip];
    }
    const words = ANSWER_WORDS.slice(skip, skip + request.params.maxTokens);
    for (const [i, word] of words.entries()) {
      if (i === breaks[call]) throw new KpoError('KPO_MODEL_STREAM', 'stream cut', { retryable: true });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (signal.aborted) throw signal.reason as Error;
      yield { type: 'chunk', text: word, tokenCount: 1 };
    }
    yield {
      type: 'done',
      text: words.join(''),
      finishReason: 'stop',
      usage: { promptTokens: 5, completionTokens: words.length, cachedTokens: 0 },
      timings: { ttftMs: 1, perTokenMs: 1 },
      endpoint: 'words',
    };
  }
  return { generate: (request, signal) => stream(request, signal), requests };
}
