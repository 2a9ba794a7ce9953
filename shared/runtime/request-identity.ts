/** Who an input belongs to and where its client reads: for de-dup headers, logs and client error events. */
import type { PromptRequest } from '../messages/types.ts';

export interface RequestIdentity {
  readonly requestId: string;
  readonly sessionId: string;
  /** The request's reply-to topic, when it has one: its failure terminal goes there, not to the output topic. */
  readonly replyTo?: string | null;
  /** The request's createdAtMs, for the end-to-end latency of a failure terminal. */
  readonly requestCreatedAtMs?: number;
}

export function requestIdentityOf(request: PromptRequest): RequestIdentity {
  return {
    requestId: request.requestId,
    sessionId: request.sessionId,
    replyTo: request.replyTo,
    requestCreatedAtMs: request.createdAtMs,
  };
}
