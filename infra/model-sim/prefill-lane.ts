/**
 * A replica's prefill compute. Prefill is compute-bound: one prompt's prefill
 * already keeps the GPU's matrix units busy, so two prompts prefilled "at
 * once" finish no sooner than one after the other (vLLM schedules waiting
 * prefills first come, first served within each step's token budget). The
 * lane prefills uncached tokens in arrival order at a fixed cost per token:
 * a prompt that misses the cache delays every prompt behind it, which is
 * how misses raise other requests' time to first token under load.
 */
export class PrefillLane {
  private freeAt = 0;

  constructor(private readonly msPerToken: number) {}

  /**
   * Reserves the prefill of `tokens` uncached tokens after every earlier
   * reservation; returns when it ends (performance.now() clock). A
   * reservation is not given back if its request is aborted while waiting
   * (a small overestimate of the queue, only under cancellation).
   */
  reserve(tokens: number): number {
    this.freeAt = Math.max(performance.now(), this.freeAt) + this.msPerToken * tokens;
    return this.freeAt;
  }
}
