/**
 * How a request picks its endpoint. A selector sees every candidate (healthy,
 * serving the model, not yet tried for this request when others remain) with
 * its load, and returns one of them plus optional hints for the call.
 *
 * Two optional hooks let a selector do I/O around the synchronous pick
 * (shared/routing's cache-aware selector looks hints up in Redis):
 * EndpointPool.stream() awaits prepare() once before its first pick, and
 * calls finished() once when the stream is over. The pool passes the same
 * request object to all three, so a selector may key its state by it.
 */
import type { KpoError } from '../errors/kpo-error.ts';
import type { CircuitStateName } from './resilient-endpoint.ts';
import type { GenerationRequest, GenerationResult, ModelCapabilities, RoutingHints } from './types.ts';

export interface EndpointView {
  readonly name: string;
  /** Calls accepted and not yet finished. */
  readonly inFlight: number;
  /** Bulkhead size. */
  readonly maxConcurrent: number;
  readonly circuitState: CircuitStateName;
  readonly capabilities: ModelCapabilities;
}

export interface EndpointChoice {
  /** Name of one of the candidates. */
  readonly endpoint: string;
  readonly hints?: RoutingHints;
}

/** How a routed stream ended: with its result, with an error, or stopped (consumer left, no result). */
export type SelectionOutcome =
  | { readonly kind: 'done'; readonly result: GenerationResult }
  | { readonly kind: 'failed'; readonly error: KpoError }
  | { readonly kind: 'stopped' };

export interface EndpointSelector {
  /**
   * Called (and awaited) once per EndpointPool.stream() before the first
   * pick, with every endpoint serving the request's model. It bounds its own
   * time (a lookup budget); the pool stops waiting when the request's signal
   * aborts and ignores a rejection. Not called for a stream that starts on an
   * endpoint chosen beforehand (the micro-batcher's) nor by pick() alone.
   */
  prepare?(request: GenerationRequest, candidates: readonly EndpointView[]): Promise<void>;
  /** Never called with an empty list. May return a name not in the list only by mistake (the pool then refuses it). */
  select(request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice;
  /**
   * Called once when a stream() that reached an endpoint is over, whatever
   * happened, with the endpoint of its last attempt. Must not throw.
   */
  finished?(request: GenerationRequest, endpoint: string, outcome: SelectionOutcome): void;
}

export class RoundRobinSelector implements EndpointSelector {
  private next = 0;

  select(_request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice {
    const chosen = candidates[this.next++ % candidates.length]!;
    return { endpoint: chosen.name };
  }
}

/** Fewest in-flight calls relative to bulkhead size; ties go round-robin so equal replicas share. */
export class LeastLoadedSelector implements EndpointSelector {
  private turn = 0;

  select(_request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice {
    const load = (view: EndpointView) => view.inFlight / Math.max(1, view.maxConcurrent);
    const lowest = Math.min(...candidates.map(load));
    const tied = candidates.filter((view) => load(view) === lowest);
    return { endpoint: tied[this.turn++ % tied.length]!.name };
  }
}
