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
