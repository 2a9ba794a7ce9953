/**
 * How a request picks its endpoint. A selector sees every candidate (healthy,
 * serving the model, not yet tried for this request when others remain) with
 * its load, and returns one of them plus optional hints for the call. Issue 7
 * (KV-cache-aware routing) plugs in here with its own selector.
 */
import type { CircuitStateName } from './resilient-endpoint.ts';
import type { GenerationRequest, ModelCapabilities, RoutingHints } from './types.ts';

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

export interface EndpointSelector {
  /** Never called with an empty list. May return a name not in the list only by mistake (the pool then refuses it). */
  select(request: GenerationRequest, candidates: readonly EndpointView[]): EndpointChoice;
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
