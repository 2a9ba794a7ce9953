/**
 * The simulator's "model": a word tokenizer for prompts and a seeded word
 * generator for output. The same prompt (and seed) always yields the same
 * words. Some words are multi-byte UTF-8 so clients' decoding gets exercised.
 */
import { createHash } from 'node:crypto';

const WORDS = [
  'the',
  'stream',
  'token',
  'partition',
  'offset',
  'model',
  'prompt',
  'cache',
  'replica',
  'batch',
  'latency',
  'queue',
  'worker',
  'session',
  'broker',
  'signal',
  'answer',
  'context',
  'window',
  'kernel',
  'café',
  'naïve',
  'über',
  'señal',
  'Straße',
  '東京',
  '日本語',
  'データ',
  'ключ',
  'λόγος',
  '🙂',
  '🚀',
  'and',
  'of',
  'to',
  'in',
  'is',
  'a',
  'with',
  'for',
];

/** Prompt "tokens": words with their trailing whitespace (roughly 1.3 per English word in a BPE tokenizer). */
export function tokenizePrompt(prompt: string): string[] {
  return prompt.match(/\S+\s*|\s+/g) ?? [];
}

/** 32-bit seed from text. */
export function seedOf(text: string, seed: number | null | undefined): number {
  const digest = createHash('sha1')
    .update(text)
    .update(String(seed ?? 0))
    .digest();
  return digest.readUInt32LE(0);
}

/** mulberry32: small, fast, good enough for a simulator. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PlannedOutput {
  /** One entry per output token, with its leading space. */
  readonly tokens: readonly string[];
  readonly finishReason: 'stop' | 'length';
}

/**
 * Output for a prompt: a natural length of 16..255 tokens derived from the
 * prompt, cut at maxTokens (finish "length") or at a stop sequence.
 */
export function planOutput(
  prompt: string,
  maxTokens: number,
  seed: number | null | undefined,
  stop: readonly string[] = [],
): PlannedOutput {
  const random = randomSource(seedOf(prompt, seed));
  const natural = 16 + Math.floor(random() * 240);
  const count = Math.min(natural, maxTokens);
  const tokens: string[] = [];
  let text = '';
  for (let i = 0; i < count; i++) {
    const word = WORDS[Math.floor(random() * WORDS.length)] ?? 'the';
    const token = i === 0 ? word : ` ${word}`;
    const stopAt = firstStop(text + token, stop);
    if (stopAt !== undefined) {
      const keep = (text + token).slice(0, stopAt).slice(text.length);
      if (keep !== '') tokens.push(keep);
      return { tokens, finishReason: 'stop' };
    }
    tokens.push(token);
    text += token;
  }
  return { tokens, finishReason: count < natural ? 'length' : 'stop' };
}

function firstStop(text: string, stop: readonly string[]): number | undefined {
  let best: number | undefined;
  for (const sequence of stop) {
    if (sequence === '') continue;
    const at = text.indexOf(sequence);
    if (at >= 0 && (best === undefined || at < best)) best = at;
  }
  return best;
}

/**
 * The output for a prompt whose answer was already partly given (continuing the
 * final assistant message): the rest of the prompt's plan after the partial
 * answer, so an interrupted answer continued here reads exactly like an
 * uninterrupted one. maxTokens counts only the new tokens. A partial answer
 * that is not where this model would have gone is continued like any text:
 * as a fresh answer to prompt + partial.
 */
export function planContinuation(
  prompt: string,
  partial: string,
  maxTokens: number,
  seed: number | null | undefined,
  stop: readonly string[] = [],
): PlannedOutput {
  const given = tokensCovering(prompt, partial, seed, stop);
  if (given === undefined) return planOutput(prompt + partial, maxTokens, seed, stop);
  const plan = planOutput(prompt, given + maxTokens, seed, stop);
  return { tokens: plan.tokens.slice(given), finishReason: plan.finishReason };
}

/** How many planned tokens of the prompt's answer spell `partial` exactly, if they do. */
function tokensCovering(
  prompt: string,
  partial: string,
  seed: number | null | undefined,
  stop: readonly string[],
): number | undefined {
  if (partial === '') return 0;
  const plan = planOutput(prompt, Number.MAX_SAFE_INTEGER, seed, stop);
  let text = '';
  for (let i = 0; i < plan.tokens.length; i++) {
    text += plan.tokens[i];
    if (text === partial) return i + 1;
    if (!partial.startsWith(text)) return undefined;
  }
  return undefined;
}

/** Words an answer can end with: a raw prompt ending in one may be a prompt plus a partial answer. */
const LAST_WORD = new RegExp(
  `(?:${WORDS.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`,
  'u',
);

/**
 * Splits a raw prompt (completions, llama.cpp /completion) that continues a
 * partial answer into the original prompt and the partial answer: the earliest
 * split whose prompt plans an answer starting with the rest. A prompt that ends
 * the usual way (e.g. "assistant:") is not searched.
 */
export function splitContinuation(
  raw: string,
  seed: number | null | undefined,
  stop: readonly string[] = [],
): { readonly prompt: string; readonly continuation?: string } {
  if (!LAST_WORD.test(raw)) return { prompt: raw };
  // An answer has at most 255 tokens; no word is longer than 8 characters plus its space.
  const from = Math.max(1, raw.length - 255 * 9);
  for (let at = from; at < raw.length; at++) {
    const partial = raw.slice(at);
    if (!WORDS.some((word) => partial.startsWith(word))) continue;
    if (tokensCovering(raw.slice(0, at), partial, seed, stop) !== undefined) {
      return { prompt: raw.slice(0, at), continuation: partial };
    }
  }
  return { prompt: raw };
}
