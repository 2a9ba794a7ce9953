/**
 * Token counting with a real BPE tokenizer (gpt-tokenizer, vocabularies
 * bundled, no network). Only the configured encoding is loaded (each costs
 * a few hundred ms and tens of MB). Special-token strings in user text are
 * encoded as plain text, never rejected: a prompt containing "<|endoftext|>"
 * is data.
 */
import { createRequire } from 'node:module';

export type TokenizerName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  readonly name: TokenizerName;
  encode(text: string): number[];
  count(text: string): number;
}

type EncodingModule = typeof import('gpt-tokenizer/encoding/o200k_base');

const require = createRequire(import.meta.url);
const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>(), allowedSpecial: new Set<string>() };

export function createTokenCounter(name: TokenizerName): TokenCounter {
  const encoding = require(`gpt-tokenizer/encoding/${name}`) as EncodingModule;
  const encode = (text: string): number[] => encoding.encode(text, NO_SPECIAL_TOKENS);
  return { name, encode, count: (text) => encode(text).length };
}
