/**
 * The tracing side of WorkerInstrumentation: one CONSUMER span per record per
 * handler attempt, child of the trace context the record carries in its
 * traceparent/tracestate headers, named after the stage (rag, assemble,
 * infer, post, stream), with OpenTelemetry messaging attributes. Outputs get
 * the span's context injected, so the next stage's span is its child.
 *
 * The W3C propagator is used directly (not the global one), so context passes
 * through a worker even when no SDK was started: then spans are non-recording
 * and the incoming trace context is forwarded unchanged.
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { KpoError } from '../errors/kpo-error.ts';
import type { SourceRecord } from '../runtime/stage-handler.ts';
import type { WorkerInstrumentation } from '../runtime/worker-instrumentation.ts';
import { headerGetter, headerSetter } from './header-carrier.ts';
import { spanNameOf } from './stage-span-names.ts';

export interface TracingInstrumentationOptions {
  readonly stage: string;
  /** Consumer group, for messaging.consumer.group.name. Default "kpo-<stage>". */
  readonly groupId?: string;
  /** Default: the global tracer "kpo" (a proxy: picks up an SDK started later). */
  readonly tracer?: Tracer;
}

const propagator = new W3CTraceContextPropagator();

/** OTel messaging semantic-convention attributes of a consumed record. */
export function messagingAttributes(source: SourceRecord, groupId: string): Attributes {
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.destination.name': source.topic,
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.partition.id': String(source.partition),
    'messaging.kafka.offset': Number(source.offset),
    'messaging.consumer.group.name': groupId,
  };
  if (source.key !== null) attributes['messaging.kafka.message.key'] = source.key;
  return attributes;
}

export function createTracingInstrumentation(options: TracingInstrumentationOptions): WorkerInstrumentation {
  const groupId = options.groupId ?? `kpo-${options.stage}`;
  const spanName = spanNameOf(options.stage);
  const tracer = (): Tracer => options.tracer ?? trace.getTracer('kpo');
  return {
    aroundHandler<T>(
      source: SourceRecord,
      run: (outgoingHeaders: () => Record<string, string>) => Promise<T>,
    ): Promise<T> {
      const parent = propagator.extract(ROOT_CONTEXT, source.headers, headerGetter);
      const span = tracer().startSpan(
        spanName,
        { kind: SpanKind.CONSUMER, attributes: messagingAttributes(source, groupId) },
        parent,
      );
      const active = trace.setSpan(parent, span);
      const outgoingHeaders = (): Record<string, string> => {
        const headers: Record<string, string> = {};
        propagator.inject(active, headers, headerSetter);
        return headers;
      };
      return context.with(active, async () => {
        try {
          return await run(outgoingHeaders);
        } catch (error) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: error instanceof Error ? error.message : String(error),
          });
          if (error instanceof KpoError) span.setAttribute('error.type', error.code);
          else if (error instanceof Error) span.recordException(error);
          throw error;
        } finally {
          span.end();
        }
      });
    },
  };
}
