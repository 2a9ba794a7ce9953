/**
 * What cache-aware routing reports. The worker connects these to its metric
 * registry (shared/metrics); RoutingCounters keeps plain counts for benches,
 * tests and anyone who wants to read them directly.
 */
import { ROUTING_REASONS, type RoutingReason } from './replica-scorer.ts';

export type HintStoreOperation = 'lookup' | 'write';

export interface RoutingMetrics {
  /** A lookup answered; hit = some candidate held enough of the prompt to count (minMatchBlocks, minMatchShare). */
  hintLookup(outcome: 'hit' | 'miss'): void;
  /** Redis failed or ran past the routing budget; routing went on without it. */
  hintStoreFailure(operation: HintStoreOperation): void;
  routingDecision(reason: RoutingReason, replica: string): void;
  /** A request routed on a hint finished; confirmed = the server reported cached prompt tokens. */
  hintConfirmed(replica: string, confirmed: boolean): void;
  /** cached / prompt tokens of one finished request, from the usage the server reported. */
  cachedTokenRatio(replica: string, ratio: number): void;
  /** In-flight requests on a replica (all workers) as seen at a routing decision. */
  replicaLoad(replica: string, inFlight: number): void;
}

export const NO_ROUTING_METRICS: RoutingMetrics = {
  hintLookup: () => undefined,
  hintStoreFailure: () => undefined,
  routingDecision: () => undefined,
  hintConfirmed: () => undefined,
  cachedTokenRatio: () => undefined,
  replicaLoad: () => undefined,
};

export class RoutingCounters implements RoutingMetrics {
  readonly hints = { hit: 0, miss: 0 };
  readonly storeFailures: Record<HintStoreOperation, number> = { lookup: 0, write: 0 };
  readonly reasons = Object.fromEntries(ROUTING_REASONS.map((reason) => [reason, 0])) as Record<
    RoutingReason,
    number
  >;
  readonly confirmations = { confirmed: 0, unconfirmed: 0 };
  readonly decisionsByReplica = new Map<string, number>();
  /**
   * In-flight requests per replica (all workers, as this worker last saw them:
   * at each decision and each finish). What a gauge
   * kpo_routing_replica_in_flight{endpoint} would hold; shared/metrics has none yet.
   */
  readonly lastLoad = new Map<string, number>();
  /**
   * cached / prompt tokens of finished requests per replica: count and sum.
   * What a histogram kpo_kv_cached_token_ratio{endpoint} would observe; shared/metrics has none yet.
   */
  readonly cachedTokenRatios = new Map<string, { count: number; sum: number }>();
  private ratioSum = 0;
  private ratioCount = 0;

  hintLookup(outcome: 'hit' | 'miss'): void {
    this.hints[outcome] += 1;
  }

  hintStoreFailure(operation: HintStoreOperation): void {
    this.storeFailures[operation] += 1;
  }

  routingDecision(reason: RoutingReason, replica: string): void {
    this.reasons[reason] += 1;
    this.decisionsByReplica.set(replica, (this.decisionsByReplica.get(replica) ?? 0) + 1);
  }

  hintConfirmed(_replica: string, confirmed: boolean): void {
    this.confirmations[confirmed ? 'confirmed' : 'unconfirmed'] += 1;
  }

  cachedTokenRatio(replica: string, ratio: number): void {
    this.ratioSum += ratio;
    this.ratioCount += 1;
    const entry = this.cachedTokenRatios.get(replica) ?? { count: 0, sum: 0 };
    entry.count += 1;
    entry.sum += ratio;
    this.cachedTokenRatios.set(replica, entry);
  }

  replicaLoad(replica: string, inFlight: number): void {
    this.lastLoad.set(replica, inFlight);
  }

  /** Mean cached-token ratio over finished requests (0 when none). */
  get meanCachedTokenRatio(): number {
    return this.ratioCount === 0 ? 0 : this.ratioSum / this.ratioCount;
  }
}

/** Sends every event to each of several sinks (e.g. Prometheus and a RoutingCounters). */
export function fanOutRoutingMetrics(...sinks: readonly RoutingMetrics[]): RoutingMetrics {
  return {
    hintLookup: (outcome) => sinks.forEach((s) => s.hintLookup(outcome)),
    hintStoreFailure: (operation) => sinks.forEach((s) => s.hintStoreFailure(operation)),
    routingDecision: (reason, replica) => sinks.forEach((s) => s.routingDecision(reason, replica)),
    hintConfirmed: (replica, confirmed) => sinks.forEach((s) => s.hintConfirmed(replica, confirmed)),
    cachedTokenRatio: (replica, ratio) => sinks.forEach((s) => s.cachedTokenRatio(replica, ratio)),
    replicaLoad: (replica, inFlight) => sinks.forEach((s) => s.replicaLoad(replica, inFlight)),
  };
}
