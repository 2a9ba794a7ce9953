/**
 * Lets a fetch loop sleep up to a limit and be woken early (librdkafka has
 * messages, a partition resumed). A wake() while the loop is busy is kept, so
 * the next idle() returns at once instead of missing it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export class FetchLoopWaker {
  private wakeSleeper: (() => void) | undefined;
  private woken = false;

  /** Resolves after `ms`, or at the next wake() (or at once after one made while busy). */
  async idle(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    const ac = new AbortController();
    const woken = new Promise<void>((resolve) => (this.wakeSleeper = resolve));
    await Promise.race([woken, sleep(ms, undefined, { signal: ac.signal }).catch(() => undefined)]);
    ac.abort();
    this.wakeSleeper = undefined;
    this.woken = false;
  }

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.woken = true;
  }
}
