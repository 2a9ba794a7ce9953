/** The terminal client event of a record a stage gave up on (failed → error, shed, rejected). */
import type { ClientEvent } from '../../shared/messages/types.ts';
import type { RecordFailure } from '../../shared/runtime/stage-handler.ts';

export function failureClientEvent(failure: RecordFailure): { event: ClientEvent } | undefined {
  if (!failure.requestId || !failure.sessionId) return undefined;
  return {
    event: {
      requestId: failure.requestId,
      sessionId: failure.sessionId,
      type: failure.outcome === 'failed' ? 'error' : failure.outcome,
      seq: 0,
      text: '',
      usage: null,
      errorCode: failure.error.code,
      errorMessage: `${failure.stage}: ${failure.error.message}`,
      timestampMs: Date.now(),
      e2eMs: null,
    },
  };
}
