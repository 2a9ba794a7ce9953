/**
 * One generation on one context sequence: keep the longest prefix the sequence
 * already holds (llama.cpp's cache_prompt; those tokens are "cached"), evaluate
 * the rest, then decode token by token until an end-of-generation token, a stop
 * sequence, max tokens, the end of the context, or the abort signal.
 */
import type { LlamaContextSequence, LlamaModel, SamplingOptions, Token } from './llama-engine.ts';
import { StopTextFilter } from './stop-text-filter.ts';

export interface GenerationJob {
  readonly promptTokens: readonly Token[];
  readonly maxTokens: number;
  readonly stop: readonly string[];
  readonly sampling: SamplingOptions;
  /** Reuse what the sequence holds from an earlier prompt. Default in both APIs: true. */
  readonly reusePrefix: boolean;
}

export interface GenerationOutcome {
  readonly promptTokens: number;
  /** Prompt tokens the sequence already held, so not evaluated again. */
  readonly cachedTokens: number;
  /** Text of each generated token (stop-sequence and UTF-8 hold-back applied): one entry per token. */
  readonly tokenTexts: readonly string[];
  /** 'stop': end-of-generation token or stop sequence; 'length': max tokens or the end of the context. */
  readonly finishReason: 'stop' | 'length';
  readonly stoppedByStopSequence: boolean;
  /** Start → first generated token. */
  readonly promptMs: number;
  /** First generated token → last. */
  readonly predictedMs: number;
}

/** Tokens at the start of `held` that equal `prompt`'s, keeping at least one prompt token to evaluate. */
export function sharedPrefixLength(held: readonly Token[], prompt: readonly Token[]): number {
  const limit = Math.min(held.length, prompt.length - 1);
  let length = 0;
  while (length < limit && held[length] === prompt[length]) length++;
  return length;
}

export async function generateOnSequence(
  model: LlamaModel,
  sequence: LlamaContextSequence,
  contextSize: number,
  job: GenerationJob,
  onText: (text: string) => void,
  signal: AbortSignal,
): Promise<GenerationOutcome> {
  signal.throwIfAborted();
  const cached = job.reusePrefix ? sharedPrefixLength(sequence.contextTokens, job.promptTokens) : 0;
  if (sequence.nextTokenIndex > cached)
    await sequence.eraseContextTokenRanges([{ start: cached, end: sequence.nextTokenIndex }]);
  const limit = Math.min(job.maxTokens, contextSize - job.promptTokens.length);
  const startedAt = performance.now();
  let firstAt: number | undefined;
  const generated: Token[] = [];
  const tokenTexts: string[] = [];
  const filter = new StopTextFilter(job.stop);
  let decoded = '';
  let finishReason: 'stop' | 'length' = 'stop';
  if (limit > 0) {
    for await (const token of sequence.evaluate([...job.promptTokens.slice(cached)], job.sampling)) {
      firstAt ??= performance.now();
      signal.throwIfAborted();
      generated.push(token);
      const text = model.detokenize(generated);
      // A multi-byte character split across tokens decodes to U+FFFD until its last byte arrives.
      const stable = text.endsWith('\uFFFD') ? decoded : text;
      const emitted = filter.push(stable.slice(decoded.length));
      decoded = stable;
      tokenTexts.push(emitted);
      if (emitted !== '') onText(emitted);
      if (filter.hitStop) break;
      if (generated.length >= limit) {
        finishReason = 'length';
        break;
      }
    }
  }
  const rest = filter.flush();
  if (rest !== '') {
    onText(rest);
    if (tokenTexts.length > 0) tokenTexts[tokenTexts.length - 1] += rest;
  }
  const endedAt = performance.now();
  return {
    promptTokens: job.promptTokens.length,
    cachedTokens: cached,
    tokenTexts,
    finishReason,
    stoppedByStopSequence: filter.hitStop,
    promptMs: (firstAt ?? endedAt) - startedAt,
    predictedMs: firstAt === undefined ? 0 : endedAt - firstAt,
  };
}
