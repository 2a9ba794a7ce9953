/**
 * The contract between the worker runtime and a stage. A stage is a handler:
 * it gets one decoded input at a time per session, and emits any number of
 * outputs (one for rag, a token stream for inference). The runtime owns
 * ordering, concurrency, retries, offsets, dead letters and shutdown.
 */
import type { KpoError } from '../errors/kpo-error.ts';
import type { RequestIdentity } from './request-identity.ts';

/** Where the record being handled came from. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Broker timestamp of the record, epoch ms. */
  readonly timestampMs: number;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface EmitOptions {
  /** Topic to write to; default the stage's output topic. */
  readonly topic?: string;
  /** Kafka key; default the input's key (the session ID). */
  readonly key?: string;
  /** Extra headers; the runtime adds trace context and the de-dup identity itself. */
  readonly headers?: Readonly<Record<string, string>>;
  /** De-dup sequence number of this output within the request; default counts from 0. */
  readonly seq?: number;
}

export interface HandlerContext<Out> {
  readonly source: SourceRecord;
  /** 1 on the first try, then 2, 3… after retryable failures. */
  readonly attempt: number;
  /** Aborted on handler timeout, on cancellation of the request, and at forced shutdown. */
  readonly signal: AbortSignal;
  /** Produces one output (idempotent producer, acks=all); resolves once the broker has it. */
  emit(output: Out, options?: EmitOptions): Promise<void>;
}

export interface StageHandler<In, Out> {
  identify(input: In): RequestIdentity;
  /** Handles one input. Throw a KpoError: retryable ones are retried with backoff, others dead-lettered. */
  handle(input: In, context: HandlerContext<Out>): Promise<void>;
  /**
   * Optional: the input's deadline (epoch ms). An input whose deadline has
   * passed when its turn comes is shed (outcome "shed"), not handled.
   */
  deadlineOf?(input: In): number | undefined;
}

/** What the runtime reports when it gives up on a record, so the pipeline can tell the client. */
export interface RecordFailure {
  readonly stage: string;
  readonly error: KpoError;
  readonly attempts: number;
  readonly source: SourceRecord;
  /** Present when the input could be decoded. */
  readonly requestId?: string;
  readonly sessionId?: string;
  readonly replyTo?: string | null;
  readonly requestCreatedAtMs?: number;
  /** shed = skipped for age/deadline, rejected = refused by admission, failed = dead-lettered. */
  readonly outcome: 'failed' | 'shed' | 'rejected';
}
