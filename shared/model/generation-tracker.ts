/**
 * Collects what one streamed generation produced — text, token count, the
 * time of the first and last token — and builds the final result. Shared by
 * every adapter so timings mean the same everywhere.
 */
import type { FinishReason, GenerationChunk, GenerationResult, TokenUsage } from './types.ts';

export class GenerationTracker {
  private readonly startedAt: number;
  private firstTokenAt: number | undefined;
  private lastTokenAt: number | undefined;
  private tokens = 0;
  private readonly parts: string[] = [];

  constructor(
    private readonly endpoint: string,
    startedAt = performance.now(),
  ) {
    this.startedAt = startedAt;
  }

  get tokenCount(): number {
    return this.tokens;
  }

  get started(): boolean {
    return this.firstTokenAt !== undefined;
  }

  /** Records a piece of text; returns the chunk to yield (undefined for empty text). */
  token(text: string, tokenCount = 1): GenerationChunk | undefined {
    if (text === '' && tokenCount === 0) return undefined;
    const now = performance.now();
    this.firstTokenAt ??= now;
    this.lastTokenAt = now;
    this.tokens += tokenCount;
    this.parts.push(text);
    return { type: 'chunk', text, tokenCount };
  }

  result(finishReason: FinishReason, usage: Partial<TokenUsage>, promptTokensFallback = 0): GenerationResult {
    const first = this.firstTokenAt ?? performance.now();
    const last = this.lastTokenAt ?? first;
    return {
      type: 'done',
      text: this.parts.join(''),
      finishReason,
      usage: {
        promptTokens: usage.promptTokens ?? promptTokensFallback,
        completionTokens: usage.completionTokens ?? this.tokens,
        cachedTokens: usage.cachedTokens ?? 0,
      },
      timings: {
        ttftMs: first - this.startedAt,
        perTokenMs: this.tokens > 1 ? (last - first) / (this.tokens - 1) : 0,
      },
      endpoint: this.endpoint,
    };
  }
}

/** Maps the finish reasons servers send (OpenAI, vLLM, TGI, llama.cpp) to ours. */
export function normalizeFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'length':
    case 'limit':
      return 'length';
    case 'error':
      return 'error';
    case 'abort':
    case 'cancelled':
      return 'cancelled';
    default:
      return 'stop';
  }
}
