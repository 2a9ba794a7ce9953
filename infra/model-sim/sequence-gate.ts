/**
 * At most N sequences decode at once; the rest wait in FIFO order. The count
 * of running sequences drives the slowdown of inter-token latency.
 */
export class SequenceGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly capacity: number) {}

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves with a release function once a slot is free; abort removes the waiter. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.running >= this.capacity) {
      await new Promise<void>((resolve, reject) => {
        const wake = () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = () => {
          const at = this.waiting.indexOf(wake);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(new Error('aborted while queued'));
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiting.push(wake);
      });
    } else {
      this.running++;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next === undefined) this.running--;
      else next(); // the slot passes straight to the next waiter
    };
  }
}
