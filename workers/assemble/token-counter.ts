/**
 * Token counting with a real BPE tokenizer (gpt-tokenizer, vocabularies
 * bundled, no network). Only the configured encoding is loaded (each costs
 * a few hundred ms and tens of MB). Special-token strings in user text are
 * encoded as plain text, never rejected: a prompt containing "<|endoftext|>"
 * is data.
 */
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';

export type TokenizerName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  readonly name: TokenizerName;
  encode(text: string): number[];
  count(text: string): number;
}

type EncodingModule = typeof import('gpt-tokenizer/encoding/o200k_base');

const require = createRequire(import.meta.url);
const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>(), allowedSpecial: new Set<string>() };

/**
 * Counts of texts seen recently. The assembler counts the same pieces again and again (the system turn and
 * the template's frame on every request, each history turn on every later turn of its session); BPE was
 * the largest cost of the assemble worker in bench:pipeline's profiles. Bounded by total text length.
 */
const COUNT_CACHE_CHARS = 4_000_000;

export function createTokenCounter(name: TokenizerName): TokenCounter {
  const encoding = require(`gpt-tokenizer/encoding/${name}`) as EncodingModule;
  const encode = (text: string): number[] => encoding.encode(text, NO_SPECIAL_TOKENS);
  const counts = new LRUCache<string, number>({
    maxSize: COUNT_CACHE_CHARS,
    sizeCalculation: (_count, text) => Math.max(1, text.length),
  });
  const count = (text: string): number => {
    const cached = counts.get(text);
    if (cached !== undefined) return cached;
    const counted = encode(text).length;
    counts.set(text, counted);
    return counted;
  };
  return { name, encode, count };
}
