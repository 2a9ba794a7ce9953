/**
 * The replica's context sequences (llama.cpp's slots, its --parallel) and the
 * bounded queue in front of them. A request naming a slot (id_slot ≥ 0) waits
 * for that one; a request for any slot (-1) takes the idle sequence already
 * holding the longest part of its prompt when that is over half of it
 * (llama.cpp's slot_prompt_similarity, 0.5), else the one idle longest. When
 * every sequence is busy, requests wait in FIFO order; past `queueDepth`
 * waiting ones, acquire fails at once with QueueFullError (the server's 503).
 */
import type { LlamaContextSequence, Token } from './llama-engine.ts';
import { sharedPrefixLength } from './token-generation.ts';

const SIMILARITY = 0.5;

export class QueueFullError extends Error {
  constructor(
    readonly waiting: number,
    readonly sequences: number,
  ) {
    super(`local model is full: ${sequences} sequences busy and ${waiting} requests waiting`);
    this.name = 'QueueFullError';
  }
}

export interface SequenceLease {
  readonly slot: number;
  readonly sequence: LlamaContextSequence;
  release(): void;
}

interface Waiter {
  readonly requested: number;
  readonly prompt: readonly Token[];
  readonly resolve: (lease: SequenceLease) => void;
}

export interface SlotState {
  readonly id: number;
  readonly isProcessing: boolean;
  readonly tokensHeld: number;
}

export class SequencePool {
  private readonly busy: boolean[];
  private readonly lastUsed: number[];
  private readonly waiters: Waiter[] = [];
  private clock = 0;

  constructor(
    private readonly sequences: readonly LlamaContextSequence[],
    private readonly queueDepth: number,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.busy = sequences.map(() => false);
    this.lastUsed = sequences.map(() => 0);
  }

  get size(): number {
    return this.sequences.length;
  }

  get busyCount(): number {
    return this.busy.filter(Boolean).length;
  }

  get waitingCount(): number {
    return this.waiters.length;
  }

  /** True for -1 (any) and the number of an existing slot. */
  accepts(requested: number): boolean {
    return requested === -1 || (Number.isInteger(requested) && requested >= 0 && requested < this.size);
  }

  slots(): SlotState[] {
    return this.sequences.map((sequence, id) => ({
      id,
      isProcessing: this.busy[id] === true,
      tokensHeld: sequence.nextTokenIndex,
    }));
  }

  /**
   * Empties the idle sequences (the tokens they hold: this replica's prefix cache); busy ones keep theirs.
   * Each is leased while it is cleared, so no request lands on a half-cleared sequence. Returns how many.
   */
  async clearIdle(): Promise<number> {
    const leases = this.sequences.flatMap((_, slot) => (this.busy[slot] === true ? [] : [this.lease(slot)]));
    try {
      await Promise.all(leases.map((lease) => lease.sequence.clearHistory()));
    } finally {
      for (const lease of leases) lease.release();
    }
    return leases.length;
  }

  /** A free sequence now, or after queueing; rejects with QueueFullError or the signal's reason. */
  acquire(requested: number, prompt: readonly Token[], signal: AbortSignal): Promise<SequenceLease> {
    signal.throwIfAborted();
    const slot = this.pick(requested, prompt);
    if (slot !== undefined) return Promise.resolve(this.lease(slot));
    if (this.waiters.length >= this.queueDepth) {
      return Promise.reject(new QueueFullError(this.waiters.length, this.size));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        requested,
        prompt,
        resolve: (lease) => {
          signal.removeEventListener('abort', onAbort);
          resolve(lease);
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        this.onChange();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.onChange();
    });
  }

  private lease(slot: number): SequenceLease {
    this.busy[slot] = true;
    this.lastUsed[slot] = ++this.clock;
    this.onChange();
    let released = false;
    return {
      slot,
      sequence: this.sequences[slot]!,
      release: () => {
        if (released) return;
        released = true;
        this.busy[slot] = false;
        this.handOver(slot);
        this.onChange();
      },
    };
  }

  /** A freed slot goes to the first waiter that can use it. */
  private handOver(slot: number): void {
    const index = this.waiters.findIndex((w) => w.requested === -1 || w.requested === slot);
    if (index < 0) return;
    const [waiter] = this.waiters.splice(index, 1);
    waiter!.resolve(this.lease(slot));
  }

  private pick(requested: number, prompt: readonly Token[]): number | undefined {
    if (requested >= 0) return this.busy[requested] === true ? undefined : requested;
    // FIFO: an "any slot" request does not overtake requests already waiting.
    if (this.waiters.some((w) => w.requested === -1)) return undefined;
    let best: number | undefined;
    let bestShared = prompt.length * SIMILARITY;
    let oldest: number | undefined;
    for (let slot = 0; slot < this.size; slot++) {
      if (this.busy[slot] === true) continue;
      const shared = sharedPrefixLength(this.sequences[slot]!.contextTokens, prompt);
      if (shared > bestShared) [best, bestShared] = [slot, shared];
      if (oldest === undefined || this.lastUsed[slot]! < this.lastUsed[oldest]!) oldest = slot;
    }
    return best ?? oldest;
  }
}
