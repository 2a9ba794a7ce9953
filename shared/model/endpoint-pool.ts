/**
 * The endpoints that serve a pipeline's models, and the one way to call them:
 * pick an endpoint (EndpointSelector), call it through its policies, and on a
 * retryable failure before the first token retry with backoff on another
 * endpoint when there is one (fallback). Once a token went out the stream is
 * never replayed: a later failure ends it with the error.
 */
import { DelegateBackoff, handleWhen, retry, type IRetryBackoffContext } from 'cockatiel';
import { KpoError } from '../errors/kpo-error.ts';
import { exponentialBackoffMs } from '../timers/exponential-backoff.ts';
import { fromPolicyError } from './cockatiel-errors.ts';
import type { EndpointSelector, EndpointView, SelectionOutcome } from './endpoint-selector.ts';
import type { ModelCallOptions } from './model-call-options.ts';
import type { ResilientEndpoint } from './resilient-endpoint.ts';
import type { GenerationEvent, GenerationRequest } from './types.ts';

export interface EndpointLoad extends EndpointView {
  readonly refusing: boolean;
}

function retryableBeforeFirstToken(error: Error): boolean {
  return error instanceof KpoError && error.retryable && error.code !== 'KPO_CANCELLED';
}

export class EndpointPool {
  private readonly byName: Map<string, ResilientEndpoint>;

  constructor(
    readonly endpoints: readonly ResilientEndpoint[],
    private readonly selector: EndpointSelector,
    private readonly options: ModelCallOptions,
  ) {
    if (endpoints.length === 0)
      throw new KpoError('KPO_CONFIG_INVALID', 'an endpoint pool needs at least one endpoint');
    this.byName = new Map(endpoints.map((endpoint) => [endpoint.name, endpoint]));
  }

  /** Load and circuit state of every endpoint, for metrics and routing. */
  snapshot(): EndpointLoad[] {
    return this.endpoints.map((endpoint) => ({ ...viewOf(endpoint), refusing: endpoint.refusing }));
  }

  /**
   * Picks an endpoint for a request: healthy ones serving its model, without
   * those in `avoid` when any other remains. Throws KPO_MODEL_UNKNOWN or a
   * retryable KPO_CIRCUIT_OPEN when there is none.
   */
  pick(
    request: GenerationRequest,
    avoid: ReadonlySet<string> = new Set(),
  ): { endpoint: ResilientEndpoint; request: GenerationRequest } {
    const serving = this.endpoints.filter((endpoint) => endpoint.serves(request.model));
    if (serving.length === 0) {
      throw new KpoError('KPO_MODEL_UNKNOWN', `no endpoint serves model "${request.model}"`, {
        context: { requestId: request.requestId },
      });
    }
    const healthy = serving.filter((endpoint) => !endpoint.refusing);
    if (healthy.length === 0) {
      throw new KpoError('KPO_CIRCUIT_OPEN', 'every endpoint of the model has an open circuit', {
        retryable: true,
        context: { requestId: request.requestId },
      });
    }
    const fresh = healthy.filter((endpoint) => !avoid.has(endpoint.name));
    const candidates = fresh.length > 0 ? fresh : healthy;
    const choice = this.selector.select(request, candidates.map(viewOf));
    const endpoint = this.byName.get(choice.endpoint);
    if (endpoint === undefined || !candidates.includes(endpoint)) {
      throw new KpoError('KPO_INTERNAL', 'the endpoint selector chose an endpoint that is not a candidate', {
        context: { requestId: request.requestId, endpoint: choice.endpoint },
      });
    }
    const hints = choice.hints === undefined ? request.hints : { ...request.hints, ...choice.hints };
    return { endpoint, request: hints === undefined ? request : { ...request, hints } };
  }

  /** Every endpoint serving the model can continue a partial answer, so an interrupted answer can be resumed. */
  continues(model: string): boolean {
    const serving = this.endpoints.filter((endpoint) => endpoint.serves(model));
    return serving.length > 0 && serving.every((endpoint) => endpoint.capabilities.continuation === true);
  }

  /** An endpoint serving the request's model, taking calls, and not in `tried`. */
  hasUntried(request: GenerationRequest, tried: ReadonlySet<string>): boolean {
    return this.endpoints.some(
      (endpoint) => endpoint.serves(request.model) && !endpoint.refusing && !tried.has(endpoint.name),
    );
  }

  /** Time an attempt may take: the total timeout, cut to the request's deadline. */
  attemptBudgetMs(request: GenerationRequest): number {
    const { totalTimeoutMs } = this.options;
    if (request.deadlineMs === undefined || request.deadlineMs === null) return totalTimeoutMs;
    const left = request.deadlineMs - Date.now();
    if (left <= 0) {
      throw new KpoError('KPO_SHED_EXPIRED', 'the request passed its deadline before the model call', {
        context: { requestId: request.requestId },
      });
    }
    return Math.min(totalTimeoutMs, left);
  }

  /**
   * A retry policy that waits Retry-After when the server sent one, else
   * exponential backoff — but fails over at once while `hasAlternative()`
   * says an endpoint not yet tried for this request is available.
   */
  retryPolicy(attempts = this.options.maxAttempts, hasAlternative: () => boolean = () => false) {
    const { retryAfterCapMs, retryInitialDelayMs, retryMaxDelayMs } = this.options;
    return retry(handleWhen(retryableBeforeFirstToken), {
      maxAttempts: attempts - 1,
      backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => {
        const error = 'error' in context.result ? context.result.error : undefined;
        if (hasAlternative()) return 0;
        if (error instanceof KpoError && error.retryAfterMs !== undefined)
          return Math.min(error.retryAfterMs, retryAfterCapMs);
        return exponentialBackoffMs(context.attempt, retryInitialDelayMs, retryMaxDelayMs);
      }),
    });
  }

  /**
   * Streams one request: chunks, then the result. Throws a KpoError (with the
   * attempt count in its context) when every attempt failed before a token,
   * or when the stream broke after tokens went out. The selector's prepare()
   * is awaited before the first pick and its finished() told the outcome.
   */
  async *stream(
    request: GenerationRequest,
    signal: AbortSignal,
    firstEndpoint?: ResilientEndpoint,
  ): AsyncGenerator<GenerationEvent> {
    if (firstEndpoint === undefined) await this.prepareSelector(request, signal);
    const tried = new Set<string>();
    let attempts = 0;
    let last: string | undefined;
    let outcome: SelectionOutcome = { kind: 'stopped' };
    try {
      let stream: AsyncIterable<GenerationEvent>;
      try {
        stream = await this.retryPolicy(this.options.maxAttempts, () =>
          this.hasUntried(request, tried),
        ).execute(async () => {
          attempts++;
          if (signal.aborted) throw cancellationOf(signal, request);
          const budget = this.attemptBudgetMs(request);
          const picked =
            attempts === 1 && firstEndpoint !== undefined && !firstEndpoint.refusing
              ? { endpoint: firstEndpoint, request }
              : this.pick(request, tried);
          const { endpoint, request: routed } = picked;
          tried.add(endpoint.name);
          last = endpoint.name;
          return endpoint.openStream(routed, signal, budget);
        }, signal);
      } catch (error) {
        throw fromPolicyError(error, undefined).withContext({
          requestId: request.requestId,
          attempt: attempts,
        });
      }
      for await (const event of stream) {
        if (event.type === 'done') outcome = { kind: 'done', result: event };
        yield event;
      }
    } catch (error) {
      outcome = { kind: 'failed', error: fromPolicyError(error, last) };
      throw error;
    } finally {
      if (last !== undefined) this.selector.finished?.(request, last, outcome);
    }
  }

  /** Awaits the selector's prepare() (bounded by the selector; abandoned when the signal aborts). */
  private async prepareSelector(request: GenerationRequest, signal: AbortSignal): Promise<void> {
    if (this.selector.prepare === undefined || signal.aborted) return;
    const serving = this.endpoints.filter((endpoint) => endpoint.serves(request.model));
    if (serving.length === 0) return;
    const prepared = this.selector.prepare(request, serving.map(viewOf)).catch(() => undefined);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([prepared, aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort!);
    }
  }
}

/** The abort's own KpoError (e.g. a timeout), else KPO_CANCELLED. */
function cancellationOf(signal: AbortSignal, request: GenerationRequest): KpoError {
  if (signal.reason instanceof KpoError) return signal.reason;
  return new KpoError('KPO_CANCELLED', 'the request was cancelled before the model call', {
    context: { requestId: request.requestId },
  });
}

function viewOf(endpoint: ResilientEndpoint): EndpointView {
  return {
    name: endpoint.name,
    inFlight: endpoint.inFlight,
    maxConcurrent: endpoint.maxConcurrent,
    circuitState: endpoint.circuitState,
    capabilities: endpoint.capabilities,
  };
}
