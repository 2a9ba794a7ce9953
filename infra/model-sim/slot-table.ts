/**
 * llama.cpp's server slots, simply: `count` slots (its --parallel), each
 * remembering the last prompt it served. A request naming a slot (id_slot ≥ 0)
 * gets that slot; one asking for any (-1) gets the idle slot whose last prompt
 * shares the longest start with this one, if that is over half of this prompt
 * (llama.cpp's slot_prompt_similarity, default 0.5), else the idle slot used
 * least recently, else (all busy) the least recently used. Slots only label requests here: the prefix cache is the
 * replica's (prefix-cache.ts) and a busy slot does not make a request wait.
 */
const SIMILARITY = 0.5;

export class SlotTable {
  private readonly lastPrompt: string[];
  private readonly lastUsed: number[];
  private readonly busy: number[];
  private clock = 0;

  constructor(readonly count: number) {
    this.lastPrompt = Array.from({ length: count }, () => '');
    this.lastUsed = Array.from({ length: count }, () => 0);
    this.busy = Array.from({ length: count }, () => 0);
  }

  /** True for -1 (any slot) and for the number of an existing slot. */
  accepts(requested: number): boolean {
    return requested === -1 || (Number.isInteger(requested) && requested >= 0 && requested < this.count);
  }

  /** Takes a slot for one request; call the returned release when it is over. */
  acquire(requested: number, prompt: string): { slot: number; release: () => void } {
    const slot = requested >= 0 && requested < this.count ? requested : this.pick(prompt);
    this.busy[slot]! += 1;
    this.lastUsed[slot] = ++this.clock;
    this.lastPrompt[slot] = prompt;
    let released = false;
    return {
      slot,
      release: () => {
        if (released) return;
        released = true;
        this.busy[slot]! -= 1;
      },
    };
  }

  private pick(prompt: string): number {
    const slots = [...this.lastPrompt.keys()];
    const idle = slots.filter((slot) => this.busy[slot] === 0);
    const pool = idle.length > 0 ? idle : slots;
    let best = -1;
    let bestShared = prompt.length * SIMILARITY;
    for (const slot of idle) {
      const shared = sharedStart(this.lastPrompt[slot]!, prompt);
      if (shared > bestShared) [best, bestShared] = [slot, shared];
    }
    if (best >= 0) return best;
    return pool.reduce((oldest, slot) => (this.lastUsed[slot]! < this.lastUsed[oldest]! ? slot : oldest));
  }
}

function sharedStart(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}
