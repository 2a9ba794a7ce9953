/**
 * What a StageWorker reports as it works, for metrics and tracing to attach
 * to without the runtime knowing about prom-client or OpenTelemetry. Every
 * callback is optional and must not throw; the runtime calls them inline.
 */
import type { SourceRecord } from './stage-handler.ts';
import type { KpoError } from '../errors/kpo-error.ts';

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

export interface WorkerInstrumentation {
  /** A record was fetched and queued; inFlight is the worker's count after it. */
  onFetched?(source: SourceRecord, inFlight: number): void;
  /** The handler is about to run for a record (enqueue→dequeue latency = now − timestampMs). */
  onHandlerStart?(source: SourceRecord, attempt: number): void;
  onHandlerEnd?(
    source: SourceRecord,
    outcome: 'ok' | 'retry' | 'failed',
    durationMs: number,
    error?: KpoError,
  ): void;
  onRetry?(source: SourceRecord, attempt: number, delayMs: number, error: KpoError): void;
  onDeadLettered?(source: SourceRecord, error: KpoError): void;
  onShed?(source: SourceRecord, reason: 'deadline' | 'max_age'): void;
  onRejected?(source: SourceRecord, reason: 'backlog'): void;
  onPaused?(partitions: readonly PartitionRef[], inFlight: number): void;
  onResumed?(partitions: readonly PartitionRef[], inFlight: number): void;
  onCommitted?(partition: PartitionRef, offset: string): void;
  onOutput?(topic: string): void;
  /** Consumer lag per partition, as often as the runtime learns it. */
  onLag?(partition: PartitionRef, lag: number): void;
  onStateChange?(state: string): void;

  /**
   * Runs the handler inside a context (a tracing span). Must call run() exactly
   * once and return its promise. outgoingHeaders lets it inject trace context
   * into every output the handler emits.
   */
  aroundHandler?<T>(
    source: SourceRecord,
    run: (outgoingHeaders: () => Record<string, string>) => Promise<T>,
  ): Promise<T>;
}
