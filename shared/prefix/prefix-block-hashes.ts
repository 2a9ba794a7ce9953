/**
 * Chained prefix block hashes of a prompt's token ids — the cache hint that
 * cache-aware routers (llm-d, SGLang router, Dynamo) use to find the replica
 * holding the longest matching KV prefix.
 *
 * - The token ids are cut into blocks of `blockSize` tokens (default 16, the
 *   AssembledPrompt default). Only FULL blocks are hashed: a trailing partial
 *   block is not a reusable cache page yet, so it gets no hash.
 * - Block i's hash covers block i and, through the chain, every block before
 *   it: h(i) = SHA-256( h(i-1) as 32 raw bytes ‖ the block's ids as uint32
 *   little-endian ), and h(-1) = SHA-256("kpo-prefix-v1\0" ‖ salt). Two prompts
 *   share hash i exactly when their first (i+1)·blockSize tokens are equal
 *   (and the salt — e.g. model or tokenizer name — is the same).
 * - Each hash is written as the first 16 hex characters (64 bits) of the
 *   digest, enough to make collisions irrelevant for routing tables.
 */
import { createHash } from 'node:crypto';

export const DEFAULT_PREFIX_BLOCK_SIZE = 16;
/** Hex characters kept of each SHA-256 digest (64 bits). */
export const PREFIX_HASH_HEX_LENGTH = 16;
const DOMAIN = 'kpo-prefix-v1\u0000';

export interface PrefixHashOptions {
  /** Tokens per block. Default 16. */
  readonly blockSize?: number;
  /** Mixed into the root of the chain: prompts for different models/tokenizers never share hashes. Default "". */
  readonly salt?: string;
}

/** The chained hashes of every full block of `tokenIds`, first block first. */
export function computePrefixBlockHashes(
  tokenIds: readonly number[],
  options: PrefixHashOptions = {},
): string[] {
  const blockSize = options.blockSize ?? DEFAULT_PREFIX_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize <= 0) {
    throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`);
  }
  const blocks = Math.floor(tokenIds.length / blockSize);
  const hashes: string[] = [];
  let parent = createHash('sha256')
    .update(DOMAIN + (options.salt ?? ''), 'utf8')
    .digest();
  const blockBytes = Buffer.alloc(blockSize * 4);
  for (let block = 0; block < blocks; block += 1) {
    for (let i = 0; i < blockSize; i += 1) {
      const id = tokenIds[block * blockSize + i] ?? 0;
      blockBytes.writeUInt32LE(id >>> 0, i * 4);
    }
    parent = createHash('sha256').update(parent).update(blockBytes).digest();
    hashes.push(parent.toString('hex', 0, PREFIX_HASH_HEX_LENGTH / 2));
  }
  return hashes;
}
