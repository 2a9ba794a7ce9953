/**
 * A one-consumer async queue: a producer pushes events, ends or fails it; the
 * consumer iterates. `firstReady` settles when the first event (or the end,
 * or a failure) is there — how a caller learns whether a stream started.
 * Stopping the iteration early calls onStop (which aborts the upstream call).
 */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;
  private settleFirst!: () => void;
  private failFirst!: (error: unknown) => void;
  private started = false;
  readonly firstReady: Promise<void>;

  constructor(private readonly onStop: () => void = () => undefined) {
    this.firstReady = new Promise<void>((resolve, reject) => {
      this.settleFirst = resolve;
      this.failFirst = reject;
    });
    // A stream that fails before anyone awaits firstReady must not raise an unhandled rejection.
    this.firstReady.catch(() => undefined);
  }

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.started = true;
    this.settleFirst();
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.settleFirst();
    this.wake?.();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    if (!this.started) this.failFirst(error);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    let completed = false;
    try {
      for (;;) {
        const item = this.items.shift();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.ended) {
          completed = true;
          if (this.failure !== undefined) throw this.failure.error;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      if (!completed) this.onStop();
    }
  }
}
