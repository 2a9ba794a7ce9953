/**
 * Gathers concurrent calls for a few milliseconds and runs them as one batch
 * (one /v1/embeddings call for many queries). A batch goes out when it holds
 * maxBatchSize items or when its oldest item has waited maxWaitMs. A caller
 * whose signal aborts before its batch goes out is removed from it; once the
 * batch is in flight the caller stops waiting, and the batch carries on for
 * the others.
 */
export interface MicroBatcherOptions<In, Out> {
  /** Items per batch at most. */
  readonly maxBatchSize: number;
  /** Longest an item waits for company, in ms. */
  readonly maxWaitMs: number;
  /** Runs one batch; must return one result per input, in order. */
  readonly runBatch: (items: readonly In[]) => Promise<readonly Out[]>;
}

interface PendingItem<In, Out> {
  readonly item: In;
  readonly resolve: (value: Out) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal;
  readonly onAbort: () => void;
}

export class MicroBatcher<In, Out> {
  private readonly options: MicroBatcherOptions<In, Out>;
  private pending: PendingItem<In, Out>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Sizes of the batches sent so far (for tests and metrics). */
  readonly batchSizes: number[] = [];

  constructor(options: MicroBatcherOptions<In, Out>) {
    if (options.maxBatchSize < 1) throw new RangeError('maxBatchSize must be at least 1');
    this.options = options;
  }

  submit(item: In, signal: AbortSignal): Promise<Out> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<Out>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending = this.pending.filter((p) => p !== entry);
        reject(signal.reason as Error);
      };
      const entry: PendingItem<In, Out> = { item, resolve, reject, signal, onAbort };
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.push(entry);
      if (this.pending.length >= this.options.maxBatchSize) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0, this.options.maxBatchSize);
    if (this.pending.length > 0) this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    if (batch.length === 0) return;
    this.batchSizes.push(batch.length);
    const settle = (each: (entry: PendingItem<In, Out>, index: number) => void): void => {
      batch.forEach((entry, index) => {
        entry.signal.removeEventListener('abort', entry.onAbort);
        if (!entry.signal.aborted) each(entry, index);
      });
    };
    this.options.runBatch(batch.map((entry) => entry.item)).then(
      (results) => {
        settle((entry, index) => {
          if (index < results.length) entry.resolve(results[index] as Out);
          else entry.reject(new Error(`batch returned ${results.length} results for ${batch.length} items`));
        });
      },
      (error: unknown) => settle((entry) => entry.reject(error)),
    );
  }

  /** Rejects everything still waiting (at shutdown). */
  close(reason: Error): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const entry of this.pending.splice(0)) {
      entry.signal.removeEventListener('abort', entry.onAbort);
      entry.reject(reason);
    }
  }
}
