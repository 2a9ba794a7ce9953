/**
 * Tracing options: what a worker passes in (defaults next to each field),
 * compiled with the OTEL_* environment. Export is off unless an OTLP endpoint is set.
 */
import { z } from 'zod';
import { compileOptions } from '../options/compile-options.ts';

const positiveInt = z.number().int().positive();

export const tracingOptionsSchema = z
  .object({
    /** service.name of the spans' resource, e.g. "kpo-inference". */
    serviceName: z.string().min(1),
    /** OTLP/HTTP collector base URL (…/v1/traces is appended). Default env OTEL_EXPORTER_OTLP_ENDPOINT; unset = no export. */
    otlpEndpoint: z.string().optional(),
    /** Longest shutdown() waits for the last spans to flush. Default 2000 ms. */
    shutdownTimeoutMs: positiveInt.default(2_000),
    /** Spans buffered for export; beyond this new spans are dropped, never awaited. Default 2048. */
    maxQueueSize: positiveInt.default(2_048),
    /** Spans per export request (at most maxQueueSize). Default 512. */
    maxExportBatchSize: positiveInt.default(512),
    /** Delay between two exports. Default env OTEL_BSP_SCHEDULE_DELAY, else 1000 ms. */
    scheduledDelayMs: positiveInt.optional(),
    /** Timeout of one export request. Default 5000 ms. */
    exportTimeoutMs: positiveInt.default(5_000),
  })
  .strict();

export type TracingOptions = z.input<typeof tracingOptionsSchema>;

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
function tracesUrlOf(otlpEndpoint: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const base = otlpEndpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (otlpEndpoint === undefined && env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) {
    return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  }
  if (!base || base.trim() === '') return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

export function compileTracingOptions(
  input: TracingOptions,
  env: NodeJS.ProcessEnv = process.env,
): CompiledTracingOptions {
  const { otlpEndpoint, scheduledDelayMs, ...options } = compileOptions(tracingOptionsSchema, input, {
    path: 'tracing',
  });
  return Object.freeze({
    ...options,
    tracesUrl: env.OTEL_SDK_DISABLED === 'true' ? undefined : tracesUrlOf(otlpEndpoint, env),
    maxExportBatchSize: Math.min(options.maxExportBatchSize, options.maxQueueSize),
    scheduledDelayMs: scheduledDelayMs ?? positiveNumber(env.OTEL_BSP_SCHEDULE_DELAY) ?? 1_000,
  });
}
