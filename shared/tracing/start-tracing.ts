/**
 * Starts OpenTelemetry for a worker process with NodeSDK: an AsyncLocalStorage
 * context manager, the W3C trace-context propagator and a tracer provider.
 * Spans go to an OTLP/HTTP (JSON) exporter behind a BatchSpanProcessor.
 *
 * Only when an endpoint is configured: recording spans nobody exports cost
 * every record a span, its attributes, and (through the AsyncLocalStorage
 * context manager's promise hooks) something on every promise of the process
 * (bench:pipeline profiles). Without an SDK, spans are non-recording and the
 * record's trace context still passes to the outputs unchanged
 * (tracing-instrumentation.ts), so a stage that exports joins the same trace.
 *
 * What keeps a worker unharmed when no collector listens: no metric reader
 * and no log processor (sdk-node's default OTLP metric exporter otherwise
 * makes shutdown wait ~9 s), a bounded span queue that drops instead of
 * blocking, exports off the hot path, and a shutdown bounded by a timeout.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { settlesWithin } from '../timers/settles-within.ts';
import {
  compileTracingOptions,
  type CompiledTracingOptions,
  type TracingOptions,
} from './tracing-options.ts';

export interface RunningTracing {
  readonly options: CompiledTracingOptions;
  /** True when spans are exported (an OTLP endpoint is configured). */
  readonly exporting: boolean;
  /** Flushes and stops; resolves within shutdownTimeoutMs. "timeout" when the flush did not finish in time. */
  shutdown(): Promise<'flushed' | 'timeout'>;
}

function spanProcessorOf(tracesUrl: string, options: CompiledTracingOptions): SpanProcessor {
  const exporter = new OTLPTraceExporter({ url: tracesUrl, timeoutMillis: options.exportTimeoutMs });
  return new BatchSpanProcessor(exporter, {
    maxQueueSize: options.maxQueueSize,
    maxExportBatchSize: options.maxExportBatchSize,
    scheduledDelayMillis: options.scheduledDelayMs,
    exportTimeoutMillis: options.exportTimeoutMs,
  });
}

export function startTracing(options: TracingOptions, env: NodeJS.ProcessEnv = process.env): RunningTracing {
  const compiled = compileTracingOptions(options, env);
  if (compiled.tracesUrl === undefined) {
    return { options: compiled, exporting: false, shutdown: () => Promise.resolve('flushed') };
  }
  const sdk = new NodeSDK({
    serviceName: compiled.serviceName,
    spanProcessors: [spanProcessorOf(compiled.tracesUrl, compiled)],
    metricReaders: [],
    logRecordProcessors: [],
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
  });
  sdk.start();
  let stopping: Promise<'flushed' | 'timeout'> | undefined;
  const shutdown = (): Promise<'flushed' | 'timeout'> => {
    stopping ??= settlesWithin(sdk.shutdown(), compiled.shutdownTimeoutMs, { ref: false }).then((flushed) => {
      // Unregister the globals so tracing can be started again in the same process (tests).
      trace.disable();
      context.disable();
      propagation.disable();
      return flushed ? 'flushed' : 'timeout';
    });
    return stopping;
  };
  return { options: compiled, exporting: true, shutdown };
}
