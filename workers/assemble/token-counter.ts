/**
 * Token counting with a real BPE tokenizer (gpt-tokenizer, vocabularies
 * bundled, no network). Special-token strings in user text are encoded as
 * plain text, never rejected: a prompt containing "<|endoftext|>" is data.
 */
import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';

export type TokenizerName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  readonly name: TokenizerName;
  encode(text: string): number[];
  count(text: string): number;
}

const NO_SPECIAL_TOKENS = { disallowedSpecial: new Set<string>(), allowedSpecial: new Set<string>() };

export function createTokenCounter(name: TokenizerName): TokenCounter {
  const encodeWith = name === 'cl100k_base' ? encodeCl100k : encodeO200k;
  const encode = (text: string): number[] => encodeWith(text, NO_SPECIAL_TOKENS);
  return { name, encode, count: (text) => encode(text).length };
}
