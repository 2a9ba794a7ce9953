/**
 * Applies stop sequences to text arriving in pieces: text that could still be
 * the start of a stop sequence is held back until the next piece decides, and
 * the first complete stop sequence ends the output (it is not part of it).
 */
export class StopTextFilter {
  private held = '';
  private stopped = false;

  constructor(private readonly stops: readonly string[]) {}

  get hitStop(): boolean {
    return this.stopped;
  }

  /** Returns the text that is safe to emit now; after a stop, always ''. */
  push(text: string): string {
    if (this.stopped) return '';
    const pending = this.held + text;
    let stopAt = -1;
    for (const stop of this.stops) {
      const at = stop === '' ? -1 : pending.indexOf(stop);
      if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
    }
    if (stopAt >= 0) {
      this.stopped = true;
      this.held = '';
      return pending.slice(0, stopAt);
    }
    const keep = this.partialStopLength(pending);
    this.held = pending.slice(pending.length - keep);
    return pending.slice(0, pending.length - keep);
  }

  /** The end of the output: what was held back is not a stop after all. */
  flush(): string {
    const rest = this.stopped ? '' : this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest end of `text` that is a proper start of some stop sequence. */
  private partialStopLength(text: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, text.length); length > longest; length--) {
        if (text.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
