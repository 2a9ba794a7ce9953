/**
 * A replica's prefix cache, the way vLLM's automatic prefix caching works:
 * prompt tokens in fixed-size blocks, each block named by a hash chained over
 * every token before it, blocks kept in an LRU of fixed capacity. Only full
 * blocks are cached, and a prompt hits only up to its first missing block.
 * Like vLLM, a finished sequence's generated blocks are cached too (insert()),
 * so a next turn that repeats prompt + answer finds all of it.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';

export function chainedBlockHashes(tokens: readonly string[], blockSize: number): string[] {
  const hashes: string[] = [];
  let previous = '';
  for (let start = 0; start + blockSize <= tokens.length; start += blockSize) {
    const hash = createHash('sha1').update(previous);
    for (let i = start; i < start + blockSize; i++) hash.update(tokens[i]!).update('\u0000');
    previous = hash.digest('hex');
    hashes.push(previous);
  }
  return hashes;
}

export class PrefixCache {
  private readonly blocks: LRUCache<string, true> | undefined;

  constructor(
    private readonly blockSize: number,
    capacityBlocks: number,
  ) {
    this.blocks = capacityBlocks > 0 ? new LRUCache<string, true>({ max: capacityBlocks }) : undefined;
  }

  /** Prompt tokens served from cache for this prompt; then caches all of its full blocks. */
  lookupAndInsert(tokens: readonly string[]): number {
    if (this.blocks === undefined) return 0;
    const hashes = chainedBlockHashes(tokens, this.blockSize);
    let hitBlocks = 0;
    while (hitBlocks < hashes.length && this.blocks.get(hashes[hitBlocks]!) === true) hitBlocks++;
    for (const hash of hashes) this.blocks.set(hash, true);
    // A fully cached prompt still computes its last token (as vLLM does).
    return Math.min(hitBlocks * this.blockSize, Math.max(0, tokens.length - 1));
  }

  /** Caches the full blocks of a sequence (a prompt followed by its generated answer) without a lookup. */
  insert(tokens: readonly string[]): void {
    for (const hash of chainedBlockHashes(tokens, this.blockSize)) this.blocks?.set(hash, true);
  }

  get size(): number {
    return this.blocks?.size ?? 0;
  }

  clear(): void {
    this.blocks?.clear();
  }
}
