/** Options of the gateway server, with their defaults. */
import type { Logger } from 'pino';
import type { ApiKeyTable } from './api-keys.ts';
import type { GatewayMetrics } from './gateway-metrics.ts';
import type { ModelCatalog } from './model-catalog.ts';
import type { PromptSubmitter } from './prompt-submitter.ts';
import type { TenantRateLimiter } from './tenant-rate-limiter.ts';

export interface GatewayOptions {
  readonly submitter: PromptSubmitter;
  readonly models: ModelCatalog;
  /** API keys → tenants. Undefined: no key is required and every request is tenant "". */
  readonly apiKeys?: ApiKeyTable;
  /** Per-tenant limits in Redis. Undefined: no limits. */
  readonly rateLimiter?: TenantRateLimiter;
  /** Default: a new registry with process metrics. */
  readonly metrics?: GatewayMetrics;
  readonly logger?: Logger;
  /** Completion tokens when the request names none. Default 256. */
  readonly defaultMaxTokens?: number;
  /** Requests answered at once by this replica; more get 503 with Retry-After. Default 1024. */
  readonly maxInFlight?: number;
  /** Largest request body; larger gets 413. Default 1 MiB. */
  readonly bodyLimitBytes?: number;
}

export interface CompiledGatewayOptions extends GatewayOptions {
  readonly metrics: GatewayMetrics;
  readonly defaultMaxTokens: number;
  readonly maxInFlight: number;
  readonly bodyLimitBytes: number;
}

export function withGatewayDefaults(
  options: GatewayOptions,
  metrics: () => GatewayMetrics,
): CompiledGatewayOptions {
  const compiled = {
    ...options,
    metrics: options.metrics ?? metrics(),
    defaultMaxTokens: options.defaultMaxTokens ?? 256,
    maxInFlight: options.maxInFlight ?? 1024,
    bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
  };
  for (const field of ['defaultMaxTokens', 'maxInFlight', 'bodyLimitBytes'] as const) {
    if (!Number.isInteger(compiled[field]) || compiled[field] <= 0) {
      throw new RangeError(`gateway option ${field} must be a positive integer, got ${compiled[field]}`);
    }
  }
  return Object.freeze(compiled);
}
