/**
 * The project's one push-to-pull queue: a producer pushes items, ends or fails
 * it; one consumer takes them (take(), optionally bounded by an AbortSignal)
 * or iterates. Stopping the iteration early calls onStop (e.g. to abort the
 * upstream call that feeds the queue).
 */
export class AsyncPushQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  /** No more items are taken (end() or fail() was called). */
  protected ended = false;
  private failure: { error: unknown } | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly onStop: () => void = () => undefined) {}

  /** Items pushed and not taken yet. */
  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.ended = true;
    this.wake?.();
  }

  /**
   * The next item, or done once the queue ended (after its last item); throws the failure of fail(); rejects
   * with the signal's reason when it aborts first (the item, if one comes later, stays for the next take).
   */
  async take(signal?: AbortSignal): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.items.length > 0) return { done: false, value: this.items.shift() as T };
      if (this.ended) {
        if (this.failure !== undefined) throw this.failure.error;
        return { done: true, value: undefined };
      }
      signal?.throwIfAborted();
      await this.nextWake(signal);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    let completed = false;
    try {
      for (;;) {
        // Per item no promise beyond the generator's own: this carries every token of a stream.
        if (this.items.length > 0) {
          yield this.items.shift() as T;
          continue;
        }
        if (this.ended) {
          completed = true;
          if (this.failure !== undefined) throw this.failure.error;
          return;
        }
        await this.nextWake(undefined);
      }
    } finally {
      if (!completed) this.onStop();
    }
  }

  private nextWake(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.wake = undefined;
        reject(signal?.reason as Error);
      };
      this.wake = () => {
        this.wake = undefined;
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
