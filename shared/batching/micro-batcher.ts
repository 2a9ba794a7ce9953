/**
 * The project's one micro-batcher: gathers items for a few milliseconds and
 * hands them out as one batch — when a batch holds maxBatchSize items, when
 * the next item would pass its token budget, or when its oldest item has
 * waited maxWaitMs, whichever comes first (the knobs of Triton, Ray Serve and
 * TGI). Items gather per key (e.g. one batch per endpoint and sampling
 * parameters). An item whose signal aborts while it waits leaves its batch.
 * It only gathers: what a batch does, and how its callers learn the outcome,
 * is up to the caller (`flush`).
 */
export type FlushReason = 'size' | 'wait' | 'tokens';

export interface GatheredBatch<Item, Tag> {
  /** What the batch was started with (e.g. its endpoint). */
  readonly tag: Tag;
  /** In arrival order; never empty. */
  readonly items: readonly Item[];
  readonly reason: FlushReason;
  /** Per item: ms from add() to this flush (the wait batching added). */
  readonly waitedMs: readonly number[];
}

export interface MicroBatcherOptions<Item, Tag> {
  /** Items per batch at most. */
  readonly maxBatchSize: number;
  /** Longest an item waits for company, ms. */
  readonly maxWaitMs: number;
  /** Tokens of all items of one batch at most (TGI max_batch_total_tokens). Default: no budget. */
  readonly maxBatchTokens?: number;
  /** An item's tokens, counted against maxBatchTokens. Default 0. */
  readonly tokensOf?: (item: Item) => number;
  /** A batch goes out. */
  readonly flush: (batch: GatheredBatch<Item, Tag>) => void;
  /** An item left its batch before it went out: its signal aborted (with `reason`). */
  readonly onAborted?: (item: Item, reason: unknown) => void;
}

interface Waiting<Item> {
  readonly item: Item;
  readonly tokens: number;
  readonly addedAt: number;
  readonly dispose: () => void;
}

interface Gathering<Item, Tag> {
  readonly tag: Tag;
  readonly waiting: Waiting<Item>[];
  tokens: number;
  readonly timer: NodeJS.Timeout;
}

export class MicroBatcher<Item, Tag = undefined> {
  private readonly open = new Map<string, Gathering<Item, Tag>>();
  private readonly maxBatchTokens: number;

  constructor(private readonly options: MicroBatcherOptions<Item, Tag>) {
    if (options.maxBatchSize < 1) throw new RangeError('maxBatchSize must be at least 1');
    this.maxBatchTokens = options.maxBatchTokens ?? Number.POSITIVE_INFINITY;
  }

  /** Adds an item to the batch gathering under `key` (one is started, with `tag`, when there is none). */
  add(item: Item, where: { readonly key?: string; readonly tag: Tag; readonly signal?: AbortSignal }): void {
    const key = where.key ?? '';
    const tokens = this.options.tokensOf?.(item) ?? 0;
    const current = this.open.get(key);
    if (current !== undefined && current.tokens + tokens > this.maxBatchTokens) this.flush(key, 'tokens');
    const gathering = this.open.get(key) ?? this.start(key, where.tag);
    const { signal } = where;
    const waiting: Waiting<Item> = {
      item,
      tokens,
      addedAt: performance.now(),
      dispose: () => signal?.removeEventListener('abort', onAbort),
    };
    const onAbort = (): void => {
      if (this.withdraw(key, gathering, waiting)) this.options.onAborted?.(item, signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    gathering.waiting.push(waiting);
    gathering.tokens += tokens;
    if (gathering.waiting.length >= this.options.maxBatchSize) this.flush(key, 'size');
    else if (gathering.tokens >= this.maxBatchTokens) this.flush(key, 'tokens');
  }

  /** Items waiting for their batch right now. */
  get waiting(): number {
    let count = 0;
    for (const gathering of this.open.values()) count += gathering.waiting.length;
    return count;
  }

  /** The batches gathering now: key, tag and size of each. */
  *gathering(): IterableIterator<{ readonly key: string; readonly tag: Tag; readonly size: number }> {
    for (const [key, gathering] of this.open)
      yield { key, tag: gathering.tag, size: gathering.waiting.length };
  }

  /** Takes every waiting item out (at shutdown) and returns them; nothing goes out any more for them. */
  close(): Item[] {
    const items: Item[] = [];
    for (const gathering of this.open.values()) {
      clearTimeout(gathering.timer);
      for (const entry of gathering.waiting.splice(0)) {
        entry.dispose();
        items.push(entry.item);
      }
    }
    this.open.clear();
    return items;
  }

  private start(key: string, tag: Tag): Gathering<Item, Tag> {
    const gathering: Gathering<Item, Tag> = {
      tag,
      waiting: [],
      tokens: 0,
      timer: setTimeout(() => this.flush(key, 'wait'), this.options.maxWaitMs),
    };
    this.open.set(key, gathering);
    return gathering;
  }

  /** Takes a waiting item out of its batch; false when it already went out. */
  private withdraw(key: string, gathering: Gathering<Item, Tag>, waiting: Waiting<Item>): boolean {
    const at = gathering.waiting.indexOf(waiting);
    if (at < 0) return false;
    gathering.waiting.splice(at, 1);
    gathering.tokens -= waiting.tokens;
    waiting.dispose();
    if (gathering.waiting.length === 0 && this.open.get(key) === gathering) {
      clearTimeout(gathering.timer);
      this.open.delete(key);
    }
    return true;
  }

  private flush(key: string, reason: FlushReason): void {
    const gathering = this.open.get(key);
    if (gathering === undefined) return;
    this.open.delete(key);
    clearTimeout(gathering.timer);
    const now = performance.now();
    const waiting = gathering.waiting.splice(0);
    for (const entry of waiting) entry.dispose();
    if (waiting.length === 0) return;
    this.options.flush({
      tag: gathering.tag,
      items: waiting.map((entry) => entry.item),
      reason,
      waitedMs: waiting.map((entry) => now - entry.addedAt),
    });
  }
}
