/**
 * Tracing options: what a worker passes in (documented defaults), compiled
 * with the OTEL_* environment. Export is off unless an OTLP endpoint is set.
 */
export interface TracingOptions {
  /** service.name of the spans' resource, e.g. "kpo-inference". */
  readonly serviceName: string;
  /** OTLP/HTTP collector base URL (…/v1/traces is appended). Default env OTEL_EXPORTER_OTLP_ENDPOINT; unset = no export. */
  readonly otlpEndpoint?: string;
  /** Longest shutdown() waits for the last spans to flush. Default 2000 ms. */
  readonly shutdownTimeoutMs?: number;
  /** Spans buffered for export; beyond this new spans are dropped, never awaited. Default 2048. */
  readonly maxQueueSize?: number;
  /** Spans per export request. Default 512. */
  readonly maxExportBatchSize?: number;
  /** Delay between two exports. Default env OTEL_BSP_SCHEDULE_DELAY, else 1000 ms. */
  readonly scheduledDelayMs?: number;
  /** Timeout of one export request. Default 5000 ms. */
  readonly exportTimeoutMs?: number;
}

export interface CompiledTracingOptions {
  readonly serviceName: string;
  /** Full traces URL, or undefined when export is off. */
  readonly tracesUrl: string | undefined;
  readonly shutdownTimeoutMs: number;
  readonly maxQueueSize: number;
  readonly maxExportBatchSize: number;
  readonly scheduledDelayMs: number;
  readonly exportTimeoutMs: number;
}

function positiveNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : undefined;
}

/** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the full URL; OTEL_EXPORTER_OTLP_ENDPOINT (or the option) is a base. */
function tracesUrlOf(options: TracingOptions, env: NodeJS.ProcessEnv): string | undefined {
  const base = options.otlpEndpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (options.otlpEndpoint === undefined && env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  }
  if (!base || base.trim() === '') return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

export function compileTracingOptions(
  options: TracingOptions,
  env: NodeJS.ProcessEnv = process.env,
): CompiledTracingOptions {
  const maxQueueSize = options.maxQueueSize ?? 2048;
  const maxExportBatchSize = Math.min(options.maxExportBatchSize ?? 512, maxQueueSize);
  return Object.freeze({
    serviceName: options.serviceName,
    tracesUrl: env.OTEL_SDK_DISABLED === 'true' ? undefined : tracesUrlOf(options, env),
    shutdownTimeoutMs: options.shutdownTimeoutMs ?? 2_000,
    maxQueueSize,
    maxExportBatchSize,
    scheduledDelayMs: options.scheduledDelayMs ?? positiveNumber(env.OTEL_BSP_SCHEDULE_DELAY) ?? 1_000,
    exportTimeoutMs: options.exportTimeoutMs ?? 5_000,
  });
}
