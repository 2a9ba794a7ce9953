/**
 * Turning a RecordFailure (the runtime gave up on a record, shed it, or
 * admission rejected it) into the client's terminal event.
 *
 * Two ways, for the runtime's onRecordFailure hook:
 * - clientEventForFailure: a ClientEvent to write straight to the output topic.
 *   Right for failures BEFORE any token went out (rag, assemble, inference
 *   before its first chunk), where the terminal is event seq 0.
 * - terminalChunkForFailure: a TokenChunk with seq OUT_OF_BAND_SEQ (-1) to
 *   write to the stream stage's input topic (llm.tokens.post), keyed by
 *   session. The stream stage then writes the terminal itself, after the
 *   tokens it already sent, with the next contiguous event seq, and only if
 *   the request has no terminal yet. Right for any stage, and the only safe
 *   way once tokens may have gone out (inference mid-stream, post, stream).
 */
import type { ClientEvent, TokenChunk } from './types.ts';
import type { RecordFailure } from '../runtime/stage-handler.ts';

/** Seq of a chunk that ends its request out of band (not part of the token sequence). */
export const OUT_OF_BAND_SEQ = -1;

type FailureType = 'error' | 'shed' | 'rejected' | 'cancelled';

function failureType(failure: RecordFailure): FailureType {
  if (failure.outcome === 'shed') return 'shed';
  if (failure.outcome === 'rejected') return 'rejected';
  return failure.error.code === 'KPO_CANCELLED' ? 'cancelled' : 'error';
}

/** The terminal ClientEvent for a failure, or null when the record's request is unknown (it did not decode). */
export function clientEventForFailure(
  failure: RecordFailure,
  options: { readonly seq?: number; readonly nowMs?: number; readonly requestCreatedAtMs?: number } = {},
): ClientEvent | null {
  if (failure.requestId === undefined || failure.sessionId === undefined) return null;
  const nowMs = options.nowMs ?? Date.now();
  const created = options.requestCreatedAtMs ?? 0;
  return {
    requestId: failure.requestId,
    sessionId: failure.sessionId,
    type: failureType(failure),
    seq: options.seq ?? 0,
    text: '',
    usage: null,
    errorCode: failure.error.code,
    errorMessage: failure.error.message,
    timestampMs: nowMs,
    e2eMs: created > 0 ? Math.max(0, nowMs - created) : null,
    resumes: 0,
    finishReason: null,
  };
}

/** A final out-of-band TokenChunk that makes the stream stage end the request with the failure. */
export function terminalChunkForFailure(
  failure: RecordFailure,
  options: { readonly replyTo?: string | null; readonly requestCreatedAtMs?: number } = {},
): TokenChunk | null {
  if (failure.requestId === undefined || failure.sessionId === undefined) return null;
  return {
    requestId: failure.requestId,
    sessionId: failure.sessionId,
    seq: OUT_OF_BAND_SEQ,
    text: '',
    tokenCount: 0,
    final: true,
    finishReason: failureType(failure),
    usage: null,
    timings: null,
    attempt: failure.attempts,
    error: { code: failure.error.code, message: failure.error.message },
    replyTo: options.replyTo ?? null,
    requestCreatedAtMs: options.requestCreatedAtMs ?? 0,
    userTurn: null,
    generationId: '',
    resumes: 0,
  };
}
