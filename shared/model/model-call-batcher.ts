/**
 * Micro-batching of model calls (shared/batching/micro-batcher.ts gathers):
 * requests gathered per endpoint and sampling parameters (which one batch call
 * shares) until max batch size, max wait or the token budget is reached,
 * whichever comes first. A batch-capable endpoint gets one call (an array of
 * prompts, results split by index); others get the batch's calls released
 * together. A request whose deadline passes or whose signal aborts while it
 * waits is rejected, never kept.
 */
import { MicroBatcher, type FlushReason, type GatheredBatch } from '../batching/micro-batcher.ts';
import { KpoError } from '../errors/kpo-error.ts';
import type { EndpointPool } from './endpoint-pool.ts';
import type { MicroBatchOptions } from './micro-batch-options.ts';
import type { ResilientEndpoint } from './resilient-endpoint.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult } from './types.ts';

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
  resolve(events: AsyncIterable<GenerationEvent>): void;
  reject(error: KpoError): void;
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

export class ModelCallBatcher {
  private readonly batcher: MicroBatcher<Waiting, ResilientEndpoint>;

  constructor(
    private readonly pool: EndpointPool,
    options: MicroBatchOptions,
    private readonly onBatch: (report: BatchReport) => void = () => undefined,
  ) {
    this.batcher = new MicroBatcher<Waiting, ResilientEndpoint>({
      ...options,
      tokensOf: (item) => (item.request.promptTokens ?? 0) + item.request.params.maxTokens,
      flush: (batch) => this.send(batch),
      // The signal is the caller's, or it with the request's deadline: tell which one ended the wait.
      onAborted: (item, reason) =>
        item.reject(
          item.signal.aborted && reason === item.signal.reason
            ? cancelled(item.request)
            : expired(item.request),
        ),
    });
  }

  /** Queues a request; resolves with its event stream once its batch was sent. */
  submit(request: GenerationRequest, signal: AbortSignal): Promise<AsyncIterable<GenerationEvent>> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(cancelled(request));
      const { endpoint, request: routed } = this.route(request);
      const deadline = routed.deadlineMs;
      const waitSignal =
        deadline === undefined || deadline === null
          ? signal
          : AbortSignal.any([signal, AbortSignal.timeout(Math.max(0, deadline - Date.now()))]);
      this.batcher.add(
        { request: routed, signal, resolve, reject },
        { key: paramsKey(endpoint.name, routed), tag: endpoint, signal: waitSignal },
      );
    });
  }

  /** Requests waiting for their batch right now. */
  get waiting(): number {
    return this.batcher.waiting;
  }

  /**
   * A request joins a batch already gathering for its model and parameters
   * (the fullest one, on an endpoint still taking calls); only when there is
   * none does the selector pick an endpoint. Picking per request would spread
   * one burst over every replica and shrink every batch.
   */
  private route(request: GenerationRequest): { endpoint: ResilientEndpoint; request: GenerationRequest } {
    let best: { readonly tag: ResilientEndpoint; readonly size: number } | undefined;
    for (const gathering of this.batcher.gathering()) {
      const endpoint = gathering.tag;
      if (gathering.key !== paramsKey(endpoint.name, request) || endpoint.refusing) continue;
      if (!endpoint.serves(request.model)) continue;
      if (best === undefined || gathering.size > best.size) best = gathering;
    }
    return best === undefined ? this.pool.pick(request) : { endpoint: best.tag, request };
  }

  private send(batch: GatheredBatch<Waiting, ResilientEndpoint>): void {
    const { tag: endpoint, items } = batch;
    this.onBatch({
      endpoint: endpoint.name,
      size: items.length,
      reason: batch.reason,
      waitedMs: batch.waitedMs,
    });
    if (endpoint.capabilities.batching && items.length > 1) {
      void this.sendBatch(endpoint, items);
      return;
    }
    for (const item of items) item.resolve(this.pool.stream(item.request, item.signal, endpoint));
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
