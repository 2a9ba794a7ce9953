/**
 * Post-processing of one request's token stream, chunk by chunk: token limit
 * → stop sequences → redaction (worker pool) → character limit.
 *
 * - Output seq = input seq: exactly one output per input chunk until the
 *   stream ends, so seq stays contiguous and a replay produces the same seqs
 *   (the stream stage de-duplicates by them). Held-back text makes some
 *   outputs empty; the stream stage coalesces.
 * - When post ends a stream early (stop sequence, length limit) that output is
 *   final, and every later chunk of the request is dropped.
 * - A chunk with seq below the next expected one is a duplicate: dropped.
 * - The final output flushes all held-back text and carries the user turn
 *   (remembered from any chunk that had it).
 * - State per request lives in an LRU with an idle TTL, so abandoned streams
 *   cannot leak; ended requests keep a small tombstone until it expires.
 * State is written only after every step succeeded, so a failed chunk can be
 * retried as if it never ran.
 */
import { LRUCache } from 'lru-cache';
import type { TokenChunk } from '../../shared/messages/types.ts';
import { admitChars, admitTokens, type LengthLimits } from './length-limiter.ts';
import type { Redactor } from './redaction-pool.ts';
import { applyStopSequences } from './stop-sequence-filter.ts';

interface RequestPostState {
  readonly nextSeq: number;
  readonly stopHeld: string;
  readonly redactHeld: string;
  readonly chars: number;
  readonly tokens: number;
  readonly ended: boolean;
  readonly userTurn: string | null;
}

export interface PostProcessorOptions {
  readonly stopSequences: readonly string[];
  readonly limits: LengthLimits;
  readonly maxRequests: number;
  readonly requestIdleTtlMs: number;
}

export class PostProcessor {
  private readonly options: PostProcessorOptions;
  private readonly redactor: Redactor | null;
  private readonly states: LRUCache<string, RequestPostState>;

  constructor(options: PostProcessorOptions, redactor: Redactor | null) {
    this.options = options;
    this.redactor = redactor;
    this.states = new LRUCache<string, RequestPostState>({
      max: options.maxRequests,
      ttl: options.requestIdleTtlMs,
      updateAgeOnGet: true,
    });
  }

  /** Requests with state (live or tombstoned). */
  get trackedRequests(): number {
    return this.states.size;
  }

  /**
   * Hands the chunk's output to `emit`, or nothing when the chunk is dropped (a repeat, or after the stream
   * ended). The request's state moves on only once `emit` resolved: a chunk whose output could not be written
   * is processed again when it is retried, not taken for a repeat (that lost the chunk and stalled the stream).
   */
  async process(chunk: TokenChunk, emit: (output: TokenChunk) => Promise<void>): Promise<void> {
    const state = this.states.get(chunk.requestId) ?? freshState(chunk.seq);
    if (state.ended || chunk.seq < state.nextSeq) return;
    const userTurn = chunk.userTurn ?? state.userTurn;

    const byTokens = admitTokens(state, chunk.text, chunk.tokenCount, this.options.limits);
    const stop = applyStopSequences(state.stopHeld, byTokens.text, this.options.stopSequences);
    const ending = chunk.final || stop.stopped || byTokens.reached;
    const released = ending && !stop.stopped ? stop.emit + stop.held : stop.emit;
    const redacted = this.redactor
      ? await this.redactor.redact(state.redactHeld, released, ending)
      : { output: state.redactHeld + released, held: '' };
    const byChars = admitChars(state, redacted.output, this.options.limits);

    const limited = byTokens.reached || byChars.reached;
    const final = ending || byChars.reached;
    const cut = byTokens.text.length < chunk.text.length || byChars.text.length < redacted.output.length;
    const finishReason = finishReasonOf(chunk, stop.stopped, limited && (!chunk.final || cut));

    await emit({
      ...chunk,
      text: byChars.text,
      tokenCount: byTokens.tokens,
      final,
      finishReason: final ? finishReason : null,
      userTurn: final ? userTurn : chunk.userTurn,
    });
    this.states.set(chunk.requestId, {
      nextSeq: chunk.seq + 1,
      stopHeld: ending ? '' : stop.held,
      redactHeld: final ? '' : redacted.held,
      chars: state.chars + byChars.text.length,
      tokens: state.tokens + byTokens.tokens,
      ended: final,
      userTurn: final ? null : userTurn,
    });
  }
}

function freshState(seq: number): RequestPostState {
  // a request first seen mid-stream (after a rebalance) starts where it is
  return { nextSeq: seq, stopHeld: '', redactHeld: '', chars: 0, tokens: 0, ended: false, userTurn: null };
}

function finishReasonOf(chunk: TokenChunk, stopped: boolean, limited: boolean): string | null {
  if (chunk.final && (chunk.finishReason === 'error' || chunk.finishReason === 'cancelled'))
    return chunk.finishReason;
  if (stopped) return 'stop';
  if (limited) return 'length';
  return chunk.finishReason ?? 'stop';
}
