/**
 * Kafka header names the project writes. The de-dup identity and the W3C trace
 * context travel in headers so any stage (or foreign client) can read them
 * without decoding the value.
 */
export const HEADER = {
  /** De-dup identity, part 1: the request ID. */
  requestId: 'kpo-request-id',
  /** De-dup identity, part 2: output sequence number within the request (decimal). */
  seq: 'kpo-seq',
  /** De-dup identity, part 3: the attempt that produced the output (decimal, from 1). */
  attempt: 'kpo-attempt',
  /** The stage that produced the record. */
  producedBy: 'kpo-stage',
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  /** Dead-letter error headers. */
  dlqStage: 'kpo-dlq-stage',
  dlqErrorCode: 'kpo-dlq-error-code',
  dlqReason: 'kpo-dlq-reason',
  dlqAttempts: 'kpo-dlq-attempts',
  dlqSourceTopic: 'kpo-dlq-source-topic',
  dlqSourcePartition: 'kpo-dlq-source-partition',
  dlqSourceOffset: 'kpo-dlq-source-offset',
} as const;
