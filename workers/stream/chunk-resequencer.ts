/**
 * Puts one request's chunks back in seq order and drops repeats. A chunk with
 * seq below the next expected one, or one already waiting, is a duplicate (a
 * retry or a rebalance replay); a chunk ahead of the next expected one waits
 * until the gap fills. The de-dup identity is (requestId, seq): a chunk of a
 * later attempt with a seq already delivered is a repeat too, because the
 * client has seen that position.
 */
import type { TokenChunk } from '../../shared/messages/types.ts';

export type ResequenceOutcome =
  | { readonly kind: 'released'; readonly chunks: readonly TokenChunk[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'waiting'; readonly pending: number }
  | { readonly kind: 'overflow'; readonly pending: number };

export class ChunkResequencer {
  private nextSeq: number;
  private readonly pending = new Map<number, TokenChunk>();
  private readonly maxPending: number;

  constructor(nextSeq: number, maxPending: number) {
    this.nextSeq = nextSeq;
    this.maxPending = maxPending;
  }

  get expectedSeq(): number {
    return this.nextSeq;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  accept(chunk: TokenChunk): ResequenceOutcome {
    if (chunk.seq < this.nextSeq || this.pending.has(chunk.seq)) return { kind: 'duplicate' };
    if (chunk.seq > this.nextSeq) {
      if (this.pending.size >= this.maxPending) return { kind: 'overflow', pending: this.pending.size };
      this.pending.set(chunk.seq, chunk);
      return { kind: 'waiting', pending: this.pending.size };
    }
    const chunks: TokenChunk[] = [chunk];
    this.nextSeq += 1;
    for (
      let next = this.pending.get(this.nextSeq);
      next !== undefined;
      next = this.pending.get(this.nextSeq)
    ) {
      this.pending.delete(this.nextSeq);
      chunks.push(next);
      this.nextSeq += 1;
    }
    return { kind: 'released', chunks };
  }

  /** Forgets chunks waiting for a gap (the request ended another way). */
  discardPending(): void {
    this.pending.clear();
  }
}
