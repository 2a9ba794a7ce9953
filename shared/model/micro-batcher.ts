/**
 * Micro-batching: requests gathered per endpoint (and per sampling
 * parameters, which one batch call shares) until max batch size, max wait or
 * the token budget is reached, whichever comes first. A batch-capable
 * endpoint gets one call (an array of prompts, results split by index);
 * others get the batch's calls released together. A request whose deadline
 * passes or whose signal aborts while it waits is rejected, never kept.
 */
import { KpoError } from '../errors/kpo-error.ts';
import type { EndpointPool } from './endpoint-pool.ts';
import type { MicroBatchOptions } from './micro-batch-options.ts';
import type { ResilientEndpoint } from './resilient-endpoint.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult } from './types.ts';

export type FlushReason = 'size' | 'wait' | 'tokens';

export interface BatchReport {
  readonly endpoint: string;
  readonly size: number;
  readonly reason: FlushReason;
  /** Per request: ms from submit to flush (the wait batching added). */
  readonly waitedMs: readonly number[];
}

interface Waiting {
  readonly request: GenerationRequest;
  readonly signal: AbortSignal;
  readonly enqueuedAt: number;
  readonly tokens: number;
  resolve(events: AsyncIterable<GenerationEvent>): void;
  reject(error: KpoError): void;
  dispose(): void;
}

interface Gathering {
  readonly endpoint: ResilientEndpoint;
  readonly items: Waiting[];
  tokens: number;
  timer: NodeJS.Timeout | undefined;
}

function paramsKey(endpoint: string, request: GenerationRequest): string {
  const { maxTokens, temperature, topP, seed, stop } = request.params;
  return JSON.stringify([endpoint, request.model, maxTokens, temperature, topP, seed, stop]);
}

async function* resultAsEvents(result: GenerationResult): AsyncGenerator<GenerationEvent> {
  if (result.text !== '')
    yield { type: 'chunk', text: result.text, tokenCount: result.usage.completionTokens };
  yield result;
}

export class MicroBatcher {
  private readonly open = new Map<string, Gathering>();

  constructor(
    private readonly pool: EndpointPool,
    private readonly options: MicroBatchOptions,
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
  ) {}

  /** Queues a request; resolves with its event stream once its batch was sent. */
  submit(request: GenerationRequest, signal: AbortSignal): Promise<AsyncIterable<GenerationEvent>> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(cancelled(request));
      const { endpoint, request: routed } = this.route(request);
      const key = paramsKey(endpoint.name, routed);
      const tokens = (routed.promptTokens ?? 0) + routed.params.maxTokens;
      const current = this.open.get(key);
      if (current !== undefined && current.tokens + tokens > this.options.maxBatchTokens)
        this.flush(key, 'tokens');
      const gathering = this.open.get(key) ?? this.startGathering(key, endpoint);
      const item: Waiting = {
        request: routed,
        signal,
        enqueuedAt: performance.now(),
        tokens,
        resolve,
        reject,
        dispose: () => undefined,
      };
      this.watch(key, gathering, item);
      gathering.items.push(item);
      gathering.tokens += tokens;
      if (gathering.items.length >= this.options.maxBatchSize) this.flush(key, 'size');
      else if (gathering.tokens >= this.options.maxBatchTokens) this.flush(key, 'tokens');
    });
  }

  /** Requests waiting for their batch right now. */
  get waiting(): number {
    let count = 0;
    for (const gathering of this.open.values()) count += gathering.items.length;
    return count;
  }

  /**
   * A request joins a batch already gathering for its model and parameters
   * (the fullest one, on an endpoint still taking calls); only when there is
   * none does the selector pick an endpoint. Picking per request would spread
   * one burst over every replica and shrink every batch.
   */
  private route(request: GenerationRequest): { endpoint: ResilientEndpoint; request: GenerationRequest } {
    let best: Gathering | undefined;
    for (const [key, gathering] of this.open) {
      if (key !== paramsKey(gathering.endpoint.name, request) || gathering.endpoint.refusing) continue;
      if (!gathering.endpoint.serves(request.model)) continue;
      if (best === undefined || gathering.items.length > best.items.length) best = gathering;
    }
    return best === undefined ? this.pool.pick(request) : { endpoint: best.endpoint, request };
  }

  private startGathering(key: string, endpoint: ResilientEndpoint): Gathering {
    const gathering: Gathering = { endpoint, items: [], tokens: 0, timer: undefined };
    gathering.timer = setTimeout(() => this.flush(key, 'wait'), this.options.maxWaitMs);
    this.open.set(key, gathering);
    return gathering;
  }

  /** Rejects the item if its deadline passes or its signal aborts while it waits. */
  private watch(key: string, gathering: Gathering, item: Waiting): void {
    const drop = (error: KpoError) => {
      const at = gathering.items.indexOf(item);
      if (at < 0) return;
      gathering.items.splice(at, 1);
      gathering.tokens -= item.tokens;
      item.dispose();
      item.reject(error);
      if (gathering.items.length === 0 && this.open.get(key) === gathering) {
        clearTimeout(gathering.timer);
        this.open.delete(key);
      }
    };
    const onAbort = () => drop(cancelled(item.request));
    item.signal.addEventListener('abort', onAbort, { once: true });
    const deadline = item.request.deadlineMs;
    const deadlineTimer =
      deadline === undefined || deadline === null
        ? undefined
        : setTimeout(() => drop(expired(item.request)), Math.max(0, deadline - Date.now()));
    item.dispose = () => {
      item.signal.removeEventListener('abort', onAbort);
      clearTimeout(deadlineTimer);
    };
  }

  private flush(key: string, reason: FlushReason): void {
    const gathering = this.open.get(key);
    if (gathering === undefined) return;
    this.open.delete(key);
    clearTimeout(gathering.timer);
    const now = performance.now();
    const items = gathering.items.splice(0);
    for (const item of items) item.dispose();
    if (items.length === 0) return;
    this.onBatch({
      endpoint: gathering.endpoint.name,
      size: items.length,
      reason,
      waitedMs: items.map((item) => now - item.enqueuedAt),
    });
    if (gathering.endpoint.capabilities.batching && items.length > 1) {
      void this.sendBatch(gathering.endpoint, items);
      return;
    }
    for (const item of items) item.resolve(this.pool.stream(item.request, item.signal, gathering.endpoint));
  }

  /** One batch call; retried as a whole (nothing went out yet), on another endpoint when the pool has one. */
  private async sendBatch(first: ResilientEndpoint, items: readonly Waiting[]): Promise<void> {
    const requests = items.map((item) => item.request);
    const batchSignal = allAborted(items.map((item) => item.signal));
    const tried = new Set<string>();
    let attempts = 0;
    try {
      const hasAlternative = () => this.pool.hasUntried(requests[0]!, tried);
      const results = await this.pool.retryPolicy(undefined, hasAlternative).execute(async () => {
        attempts++;
        const endpoint =
          attempts === 1 && !first.refusing ? first : this.pool.pick(requests[0]!, tried).endpoint;
        tried.add(endpoint.name);
        const budget = Math.min(...requests.map((request) => this.pool.attemptBudgetMs(request)));
        return endpoint.runBatch(requests, batchSignal, budget);
      }, batchSignal);
      items.forEach((item, index) => item.resolve(resultAsEvents(results[index]!)));
    } catch (error) {
      const failure =
        error instanceof KpoError ? error : new KpoError('KPO_MODEL_STREAM', String(error), { cause: error });
      for (const item of items)
        item.reject(failure.withContext({ requestId: item.request.requestId, attempt: attempts }));
    }
  }
}

/** Aborts only when every request of the batch was cancelled: one cancel must not kill its neighbours. */
function allAborted(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let remaining = signals.length;
  for (const signal of signals) {
    const onAbort = () => {
      remaining--;
      if (remaining === 0) controller.abort(signal.reason);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }
  return controller.signal;
}

function cancelled(request: GenerationRequest): KpoError {
  return new KpoError('KPO_CANCELLED', 'the request was cancelled while it waited for its batch', {
    context: { requestId: request.requestId },
  });
}

function expired(request: GenerationRequest): KpoError {
  return new KpoError('KPO_SHED_EXPIRED', 'the request passed its deadline while it waited for its batch', {
    context: { requestId: request.requestId },
  });
}
