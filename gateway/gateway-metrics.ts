/**
 * The gateway's Prometheus metrics, on its own registry (label stage="gateway"
 * plus the process metrics), every series labelled by tenant.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { E2E_BUCKETS_SECONDS, TTFT_BUCKETS_SECONDS } from '../shared/metrics/histogram-buckets.ts';
import { createMetricsRegistry } from '../shared/metrics/metrics-registry.ts';

export const GATEWAY_METRIC = {
  requests: 'kpo_gateway_requests_total',
  inFlight: 'kpo_gateway_in_flight_requests',
  ttftSeconds: 'kpo_gateway_time_to_first_token_seconds',
  durationSeconds: 'kpo_gateway_request_duration_seconds',
  tokens: 'kpo_gateway_tokens_total',
  cancels: 'kpo_gateway_cancels_total',
  rateLimited: 'kpo_gateway_rate_limited_total',
} as const;

export class GatewayMetrics {
  readonly registry: Registry;
  private readonly requests: Counter<'tenant' | 'status' | 'stream'>;
  private readonly inFlight: Gauge<'tenant'>;
  private readonly ttft: Histogram<'tenant'>;
  private readonly duration: Histogram<'tenant' | 'stream'>;
  private readonly tokens: Counter<'tenant' | 'kind'>;
  private readonly cancels: Counter<'tenant'>;
  private readonly rateLimited: Counter<'tenant' | 'limit'>;

  constructor(options: { readonly processMetrics?: boolean } = {}) {
    this.registry = createMetricsRegistry('gateway', options);
    const registers = [this.registry];
    this.requests = new Counter({
      name: GATEWAY_METRIC.requests,
      help: 'Chat completion requests answered, by HTTP status and streaming or not',
      labelNames: ['tenant', 'status', 'stream'],
      registers,
    });
    this.inFlight = new Gauge({
      name: GATEWAY_METRIC.inFlight,
      help: 'Chat completion requests being answered now',
      labelNames: ['tenant'],
      registers,
    });
    this.ttft = new Histogram({
      name: GATEWAY_METRIC.ttftSeconds,
      help: 'Time from the request arriving to its first token going out',
      labelNames: ['tenant'],
      buckets: [...TTFT_BUCKETS_SECONDS],
      registers,
    });
    this.duration = new Histogram({
      name: GATEWAY_METRIC.durationSeconds,
      help: 'Time from the request arriving to its response ending',
      labelNames: ['tenant', 'stream'],
      buckets: [...E2E_BUCKETS_SECONDS],
      registers,
    });
    this.tokens = new Counter({
      name: GATEWAY_METRIC.tokens,
      help: 'Tokens of answered requests (prompt, completion, cached prompt)',
      labelNames: ['tenant', 'kind'],
      registers,
    });
    this.cancels = new Counter({
      name: GATEWAY_METRIC.cancels,
      help: 'Requests cancelled upstream because the client went away',
      labelNames: ['tenant'],
      registers,
    });
    this.rateLimited = new Counter({
      name: GATEWAY_METRIC.rateLimited,
      help: 'Requests refused by a per-tenant limit',
      labelNames: ['tenant', 'limit'],
      registers,
    });
  }

  started(tenant: string): void {
    this.inFlight.inc({ tenant });
  }

  firstToken(tenant: string, seconds: number): void {
    this.ttft.observe({ tenant }, seconds);
  }

  finished(tenant: string, stream: boolean, status: number, seconds: number): void {
    this.inFlight.dec({ tenant });
    this.answered(tenant, stream, status);
    this.duration.observe({ tenant, stream: String(stream) }, seconds);
  }

  /** A request answered without entering the pipeline (bad input, auth, limits). */
  answered(tenant: string, stream: boolean, status: number): void {
    this.requests.inc({ tenant, status: String(status), stream: String(stream) });
  }

  usage(
    tenant: string,
    usage: { promptTokens: number; completionTokens: number; cachedTokens: number },
  ): void {
    this.tokens.inc({ tenant, kind: 'prompt' }, usage.promptTokens);
    this.tokens.inc({ tenant, kind: 'completion' }, usage.completionTokens);
    this.tokens.inc({ tenant, kind: 'cached' }, usage.cachedTokens);
  }

  cancelled(tenant: string): void {
    this.cancels.inc({ tenant });
  }

  limited(tenant: string, limit: 'requests' | 'tokens'): void {
    this.rateLimited.inc({ tenant, limit });
  }
}
