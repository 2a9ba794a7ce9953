/**
 * Rules a message must keep beyond its schema, checked on encode and on
 * decode: identities are present, a request has messages, a prompt fits the
 * configured size. A broken rule is reported with the field that breaks it.
 */
import type { MessageKind } from './message-schemas.ts';
import type {
  AssembledPrompt,
  Cancel,
  ClientEvent,
  DeadLetter,
  PromptRequest,
  RetrievalResult,
  TokenChunk,
} from './types.ts';

export interface MessageLimits {
  /** Most UTF-16 characters all chat turns of a PromptRequest may hold together. */
  readonly maxPromptChars: number;
}

export interface RuleViolation {
  readonly code: 'KPO_VALIDATION' | 'KPO_TOO_LARGE';
  readonly field: string;
  readonly reason: string;
}

export interface MessageByKind {
  promptRequest: PromptRequest;
  retrievalResult: RetrievalResult;
  assembledPrompt: AssembledPrompt;
  tokenChunk: TokenChunk;
  clientEvent: ClientEvent;
  cancel: Cancel;
  deadLetter: DeadLetter;
}

type Rule<T> = (message: T, limits: MessageLimits) => RuleViolation | undefined;

function missing(field: string, what: string): RuleViolation {
  return { code: 'KPO_VALIDATION', field, reason: `${what} is missing or empty` };
}

function blank(value: string): boolean {
  return value.trim().length === 0;
}

function identity(message: { requestId: string; sessionId: string }, prefix = ''): RuleViolation | undefined {
  if (blank(message.requestId)) return missing(`${prefix}requestId`, 'request ID');
  if (blank(message.sessionId)) return missing(`${prefix}sessionId`, 'session ID');
  return undefined;
}

function nonNegative(value: number, field: string): RuleViolation | undefined {
  return value < 0 ? { code: 'KPO_VALIDATION', field, reason: `${field} is negative (${value})` } : undefined;
}

/** seq counts from 0; -1 marks an out-of-band terminal chunk (shared/messages/failure-protocol.ts), which must be final. */
function tokenChunkSeq(message: { seq: number; final: boolean }): RuleViolation | undefined {
  if (message.seq === -1) {
    return message.final
      ? undefined
      : { code: 'KPO_VALIDATION', field: 'seq', reason: 'seq -1 (out of band) is only for a final chunk' };
  }
  return nonNegative(message.seq, 'seq');
}

function promptRequest(
  request: PromptRequest,
  limits: MessageLimits,
  prefix = '',
): RuleViolation | undefined {
  const problem = identity(request, prefix);
  if (problem) return problem;
  if (request.messages.length === 0) {
    return { code: 'KPO_VALIDATION', field: `${prefix}messages`, reason: 'the request has no messages' };
  }
  let chars = 0;
  for (const message of request.messages) chars += message.content.length;
  if (chars > limits.maxPromptChars) {
    return {
      code: 'KPO_TOO_LARGE',
      field: `${prefix}messages`,
      reason: `the prompt has ${chars} characters, more than the limit of ${limits.maxPromptChars}`,
    };
  }
  return undefined;
}

/** The rules of each message kind. */
export const MESSAGE_RULES: { readonly [K in MessageKind]: Rule<MessageByKind[K]> } = {
  promptRequest: (message, limits) => promptRequest(message, limits),
  retrievalResult: (message, limits) => promptRequest(message.request, limits, 'request.'),
  assembledPrompt: (message, limits) =>
    promptRequest(message.request, limits, 'request.') ??
    (message.messages.length === 0
      ? { code: 'KPO_VALIDATION', field: 'messages', reason: 'the assembled prompt has no messages' }
      : undefined),
  tokenChunk: (message) => identity(message) ?? tokenChunkSeq(message),
  clientEvent: (message) => identity(message) ?? nonNegative(message.seq, 'seq'),
  cancel: (message) => identity(message),
  deadLetter: (message) =>
    blank(message.stage)
      ? missing('stage', 'stage')
      : blank(message.errorCode)
        ? missing('errorCode', 'error code')
        : undefined,
};

/** The request and session a message belongs to, when it carries them, for error context. */
export function messageIdentity(message: unknown): { requestId?: string; sessionId?: string } {
  if (typeof message !== 'object' || message === null) return {};
  const record = message as { requestId?: unknown; sessionId?: unknown; request?: unknown };
  const source = typeof record.request === 'object' && record.request !== null ? record.request : record;
  const { requestId, sessionId } = source as { requestId?: unknown; sessionId?: unknown };
  return {
    ...(typeof requestId === 'string' && requestId !== '' ? { requestId } : {}),
    ...(typeof sessionId === 'string' && sessionId !== '' ? { sessionId } : {}),
  };
}
