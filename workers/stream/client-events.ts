/** Builders of ClientEvents and the mapping from a final TokenChunk to its terminal event. */
import type { ClientEvent, TokenChunk } from '../../shared/messages/types.ts';
import type { PendingTerminal } from '../../shared/redis/stream-progress-store.ts';

export interface EventIdentity {
  readonly requestId: string;
  readonly sessionId: string;
}

export function tokenEvent(identity: EventIdentity, seq: number, text: string, nowMs: number): ClientEvent {
  return {
    requestId: identity.requestId,
    sessionId: identity.sessionId,
    type: 'token',
    seq,
    text,
    usage: null,
    errorCode: null,
    errorMessage: null,
    timestampMs: nowMs,
    e2eMs: null,
    resumes: 0,
    finishReason: null,
  };
}

export function terminalEvent(
  identity: EventIdentity,
  seq: number,
  terminal: PendingTerminal,
  requestCreatedAtMs: number,
  nowMs: number,
  resumes: number,
): ClientEvent {
  return {
    requestId: identity.requestId,
    sessionId: identity.sessionId,
    type: terminal.type,
    seq,
    text: '',
    usage: terminal.usage,
    errorCode: terminal.errorCode,
    errorMessage: terminal.errorMessage,
    timestampMs: nowMs,
    e2eMs: requestCreatedAtMs > 0 ? Math.max(0, nowMs - requestCreatedAtMs) : null,
    resumes,
    finishReason: terminal.finishReason,
  };
}

/** The terminal a final chunk asks for, by its finishReason: error, cancelled, shed, rejected, else done. */
export function terminalOfFinalChunk(chunk: TokenChunk): PendingTerminal {
  const reason = chunk.finishReason;
  if (reason === 'error' || reason === 'cancelled' || reason === 'shed' || reason === 'rejected') {
    const fallback =
      reason === 'cancelled' ? 'KPO_CANCELLED' : reason === 'error' ? 'KPO_INTERNAL' : 'KPO_SHED_EXPIRED';
    return {
      type: reason,
      usage: null,
      errorCode: chunk.error?.code ?? (reason === 'rejected' ? 'KPO_REJECTED_BACKLOG' : fallback),
      errorMessage: chunk.error?.message ?? `the request ended: ${reason}`,
      finishReason: null,
    };
  }
  return {
    type: 'done',
    usage: chunk.usage,
    errorCode: null,
    errorMessage: null,
    finishReason: reason ?? 'stop',
  };
}
