/**
 * Explicit metric handles for figures only a stage knows: micro-batch sizes,
 * token timings and counts, breaker states, KV-cache routing. Stages call
 * these methods; they never see prom-client. Seconds in, base units out.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  BATCH_SIZE_BUCKETS,
  E2E_BUCKETS_SECONDS,
  ITL_BUCKETS_SECONDS,
  TTFT_BUCKETS_SECONDS,
} from './histogram-buckets.ts';
import { METRIC } from './metric-names.ts';

export type TokenKind = 'prompt' | 'completion' | 'cached';
export type BreakerState = 'closed' | 'half_open' | 'open';
/** How kpo_circuit_breaker_state encodes a state. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  half_open: 1,
  open: 2,
};

export interface StageFigures {
  /** Records in one micro-batch sent to a model server or embedder. */
  observeBatchSize(records: number): void;
  observeTimeToFirstToken(seconds: number, model?: string): void;
  observeInterTokenLatency(seconds: number, model?: string): void;
  addTokens(kind: TokenKind, count: number, model?: string): void;
  setCircuitBreakerState(endpoint: string, state: BreakerState): void;
  /** A KV-cache routing hint was (hit) or was not (miss) confirmed by the endpoint. */
  recordKvHint(endpoint: string, hit: boolean): void;
  /** Where a request was routed and why (e.g. prefix_match, least_loaded, imbalance, no_hint). */
  recordRoutingDecision(endpoint: string, reason: string): void;
  /** Request creation to its terminal client event, by outcome (done, error, shed, rejected, cancelled). */
  observeE2eLatency(seconds: number, outcome: string): void;
  /** cached / prompt tokens of one finished request, as the endpoint reported them (0..1). */
  observeCachedTokenRatio(endpoint: string, ratio: number): void;
  /** In-flight requests on a model replica across all inference workers, as routing last saw them. */
  setReplicaInFlight(endpoint: string, inFlight: number): void;
  /** The routing hint store (Redis) failed or ran past its budget; routing went on without it. */
  recordHintStoreFailure(operation: 'lookup' | 'write'): void;
  /** Routing runs over these endpoints: their hint and store-failure series start at 0, so rates exist from the start. */
  startRoutingSeries(endpoints: readonly string[]): void;
}

export function createStageFigures(registry: Registry): StageFigures {
  const registers = [registry];
  const batchSize = new Histogram({
    name: METRIC.microBatchSize,
    help: 'Records per micro-batch.',
    buckets: [...BATCH_SIZE_BUCKETS],
    registers,
  });
  const ttft = new Histogram({
    name: METRIC.timeToFirstTokenSeconds,
    help: 'Time from the model call to its first token.',
    labelNames: ['model'],
    buckets: [...TTFT_BUCKETS_SECONDS],
    registers,
  });
  const itl = new Histogram({
    name: METRIC.interTokenLatencySeconds,
    help: 'Time between two consecutive tokens of one generation.',
    labelNames: ['model'],
    buckets: [...ITL_BUCKETS_SECONDS],
    registers,
  });
  const tokens = new Counter({
    name: METRIC.tokens,
    help: 'Tokens by kind (prompt, completion, cached prompt tokens).',
    labelNames: ['kind', 'model'],
    registers,
  });
  const breaker = new Gauge({
    name: METRIC.circuitBreakerState,
    help: 'Circuit-breaker state per endpoint: 0 closed, 1 half-open, 2 open.',
    labelNames: ['endpoint'],
    registers,
  });
  const kvHits = new Counter({
    name: METRIC.kvHintHits,
    help: 'KV-cache routing hints the endpoint confirmed (cached prefix tokens reported).',
    labelNames: ['endpoint'],
    registers,
  });
  const kvMisses = new Counter({
    name: METRIC.kvHintMisses,
    help: 'KV-cache routing hints the endpoint did not confirm.',
    labelNames: ['endpoint'],
    registers,
  });
  const routing = new Counter({
    name: METRIC.routingDecisions,
    help: 'Routing decisions by chosen endpoint and reason.',
    labelNames: ['endpoint', 'reason'],
    registers,
  });
  const e2e = new Histogram({
    name: METRIC.e2eLatencySeconds,
    help: 'Request creation to its terminal client event, by outcome.',
    labelNames: ['outcome'],
    buckets: [...E2E_BUCKETS_SECONDS],
    registers,
  });
  const cachedRatio = new Histogram({
    name: METRIC.kvCachedTokenRatio,
    help: 'Cached / prompt tokens of each finished request, per endpoint.',
    labelNames: ['endpoint'],
    buckets: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1],
    registers,
  });
  const replicaInFlight = new Gauge({
    name: METRIC.routingReplicaInFlight,
    help: 'In-flight requests per model replica across all inference workers, as routing last saw them.',
    labelNames: ['endpoint'],
    registers,
  });
  const hintStoreFailures = new Counter({
    name: METRIC.routingHintStoreFailures,
    help: 'Routing hint store failures or timeouts by operation; routing fell back without hints.',
    labelNames: ['operation'],
    registers,
  });
  const finite = (value: number): boolean => Number.isFinite(value) && value >= 0;
  return {
    observeBatchSize: (records) => {
      if (finite(records)) batchSize.observe(records);
    },
    observeTimeToFirstToken: (seconds, model = '') => {
      if (finite(seconds)) ttft.observe({ model }, seconds);
    },
    observeInterTokenLatency: (seconds, model = '') => {
      if (finite(seconds)) itl.observe({ model }, seconds);
    },
    addTokens: (kind, count, model = '') => {
      if (finite(count) && count > 0) tokens.inc({ kind, model }, count);
    },
    setCircuitBreakerState: (endpoint, state) => breaker.set({ endpoint }, BREAKER_STATE_VALUE[state]),
    recordKvHint: (endpoint, hit) => (hit ? kvHits : kvMisses).inc({ endpoint }),
    recordRoutingDecision: (endpoint, reason) => routing.inc({ endpoint, reason }),
    observeE2eLatency: (seconds, outcome) => {
      if (finite(seconds)) e2e.observe({ outcome }, seconds);
    },
    observeCachedTokenRatio: (endpoint, ratio) => {
      if (finite(ratio)) cachedRatio.observe({ endpoint }, Math.min(1, ratio));
    },
    setReplicaInFlight: (endpoint, inFlight) => {
      if (finite(inFlight)) replicaInFlight.set({ endpoint }, inFlight);
    },
    recordHintStoreFailure: (operation) => hintStoreFailures.inc({ operation }),
    startRoutingSeries: (endpoints) => {
      for (const endpoint of endpoints) {
        kvHits.inc({ endpoint }, 0);
        kvMisses.inc({ endpoint }, 0);
      }
      for (const operation of ['lookup', 'write'] as const) hintStoreFailures.inc({ operation }, 0);
    },
  };
}
