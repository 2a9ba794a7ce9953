/**
 * One model endpoint behind cockatiel policies: a bulkhead (max concurrent
 * calls) around a circuit breaker (consecutive failures or failure rate,
 * half-open probes) around timeouts (time to first token, total). A streaming
 * call holds its bulkhead slot and counts for the breaker until the stream
 * ends, so a stream cut half-way is a failure of the endpoint.
 */
import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  CountBreaker,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  timeout,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { KpoError } from '../errors/kpo-error.ts';
import { fromPolicyError, isEndpointFault } from './cockatiel-errors.ts';
import { EventChannel } from './event-channel.ts';
import type { ModelCallOptions } from './model-call-options.ts';
import type { ModelClient } from './model-client.ts';
import type { GenerationEvent, GenerationRequest, GenerationResult, ModelCapabilities } from './types.ts';

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

export interface EndpointSettings {
  readonly maxConcurrent: number;
  /** Models served; empty = any. */
  readonly models: readonly string[];
}

function timeoutError(which: 'time to first token' | 'total', ms: number, endpoint: string): KpoError {
  return new KpoError('KPO_TIMEOUT', `model call passed its ${which} timeout of ${ms} ms`, {
    retryable: true,
    context: { endpoint },
  });
}

/** Aborts `target` with `reason()` when `source` aborts; returns the unlinker. */
function link(source: AbortSignal, target: AbortController, reason: () => unknown): () => void {
  const onAbort = () => target.abort(reason());
  if (source.aborted) onAbort();
  else source.addEventListener('abort', onAbort, { once: true });
  return () => source.removeEventListener('abort', onAbort);
}

export class ResilientEndpoint {
  readonly name: string;
  readonly capabilities: ModelCapabilities;
  readonly maxConcurrent: number;
  readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly policy: IPolicy;
  private active = 0;
  private openedAt = 0;

  constructor(
    readonly client: ModelClient,
    private readonly settings: EndpointSettings,
    private readonly options: ModelCallOptions,
  ) {
    this.name = client.name;
    this.capabilities = client.capabilities;
    this.maxConcurrent = settings.maxConcurrent;
    const b = options.breaker;
    this.breaker = circuitBreaker(handleWhen(isEndpointFault), {
      halfOpenAfter: b.halfOpenAfterMs,
      breaker:
        b.kind === 'consecutive'
          ? new ConsecutiveBreaker(b.consecutiveFailures)
          : new CountBreaker({
              threshold: b.failureRate,
              size: b.windowSize,
              minimumNumberOfCalls: b.minimumCalls,
            }),
    });
    this.breaker.onBreak(() => (this.openedAt = performance.now()));
    this.bulkhead = bulkhead(settings.maxConcurrent, options.bulkheadQueue);
    this.policy = wrap(this.bulkhead, this.breaker);
  }

  /** Calls accepted and not yet finished (running or waiting for a bulkhead slot). */
  get inFlight(): number {
    return this.active;
  }

  get circuitState(): CircuitStateName {
    return STATE_NAMES[this.breaker.state];
  }

  /**
   * True when a call would be refused right now: the circuit is isolated,
   * half-open with its probe running, or open and not yet due for a probe.
   */
  get refusing(): boolean {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return false;
      case CircuitState.Open:
        return performance.now() - this.openedAt < this.options.breaker.halfOpenAfterMs;
      default:
        return true;
    }
  }

  serves(model: string): boolean {
    return this.settings.models.length === 0 || this.settings.models.includes(model);
  }

  /** Listens to circuit state changes; returns the remover. */
  onCircuitStateChange(listener: (state: CircuitStateName) => void): () => void {
    const subscription = this.breaker.onStateChange((state) => listener(STATE_NAMES[state]));
    return () => subscription.dispose();
  }

  /**
   * Starts a streaming call. Resolves once the first event is there; rejects
   * if the call failed before it (the only failures a caller may retry).
   */
  async openStream(
    request: GenerationRequest,
    signal: AbortSignal,
    totalMs: number,
  ): Promise<AsyncIterable<GenerationEvent>> {
    const upstream = new AbortController();
    const unlinkCaller = link(signal, upstream, () => signal.reason as unknown);
    const channel = new EventChannel<GenerationEvent>(() =>
      upstream.abort(new KpoError('KPO_CANCELLED', 'consumer stopped reading')),
    );
    this.active++;
    const run = this.policy.execute(async () => {
      const total = timeout(totalMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
      await total.execute(async ({ signal: totalSignal }) => {
        const unlinkTotal = link(totalSignal, upstream, () => timeoutError('total', totalMs, this.name));
        try {
          const iterator = this.client.generate(request, { signal: upstream.signal })[Symbol.asyncIterator]();
          const ttftMs = Math.min(this.options.ttftTimeoutMs, totalMs);
          const ttft = timeout(ttftMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
          const first = await ttft.execute(async ({ signal: ttftSignal }) => {
            const unlinkTtft = link(ttftSignal, upstream, () =>
              timeoutError('time to first token', ttftMs, this.name),
            );
            try {
              return await iterator.next();
            } finally {
              unlinkTtft();
            }
          });
          if (first.done !== true) channel.push(first.value);
          for (let next = first; next.done !== true;) {
            next = await iterator.next();
            if (next.done !== true) channel.push(next.value);
          }
        } finally {
          unlinkTotal();
        }
      });
    }, signal);
    run
      .then(
        () => channel.end(),
        (error: unknown) =>
          channel.fail(fromPolicyError(error, this.name).withContext({ requestId: request.requestId })),
      )
      .finally(() => {
        this.active--;
        unlinkCaller();
      });
    await channel.firstReady;
    return channel;
  }

  /** One batch call (capabilities.batching) through the same bulkhead, breaker and total timeout. */
  async runBatch(
    requests: readonly GenerationRequest[],
    signal: AbortSignal,
    totalMs: number,
  ): Promise<GenerationResult[]> {
    const generateBatch = this.client.generateBatch?.bind(this.client);
    if (generateBatch === undefined || !this.capabilities.batching) {
      throw new KpoError('KPO_INTERNAL', 'endpoint has no batch entry point', {
        context: { endpoint: this.name },
      });
    }
    const upstream = new AbortController();
    const unlinkCaller = link(signal, upstream, () => signal.reason as unknown);
    this.active += requests.length;
    try {
      return await this.policy.execute(async () => {
        const total = timeout(totalMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false });
        return total.execute(async ({ signal: totalSignal }) => {
          const unlinkTotal = link(totalSignal, upstream, () => timeoutError('total', totalMs, this.name));
          try {
            return await generateBatch(requests, { signal: upstream.signal });
          } finally {
            unlinkTotal();
          }
        });
      }, signal);
    } catch (error) {
      throw fromPolicyError(error, this.name);
    } finally {
      this.active -= requests.length;
      unlinkCaller();
    }
  }
}
