/**
 * The one error taxonomy of the project. Every failure that crosses a module
 * boundary is a KpoError: a fixed code, a retryable flag, the cause, and typed
 * context fields (never context pasted into the message string).
 */
import type { ErrorCode } from './error-codes.ts';

/** Where an error happened. Every field is optional: fill in what is known. */
export interface ErrorContext {
  readonly stage?: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly requestId?: string;
  readonly sessionId?: string;
  readonly attempt?: number;
  readonly field?: string;
  readonly endpoint?: string;
}

export interface KpoErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
  readonly context?: ErrorContext;
  /** Milliseconds the failing party asked us to wait before a retry (e.g. Retry-After). */
  readonly retryAfterMs?: number;
}

export class KpoError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly context: ErrorContext;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: KpoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KpoError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = Object.freeze({ ...options.context });
    this.retryAfterMs = options.retryAfterMs;
  }

  /** A copy with more context (later fields win), for re-throwing one layer up. */
  withContext(extra: ErrorContext): KpoError {
    return new KpoError(this.code, this.message, {
      retryable: this.retryable,
      cause: this.cause,
      context: { ...this.context, ...extra },
      ...(this.retryAfterMs === undefined ? {} : { retryAfterMs: this.retryAfterMs }),
    });
  }
}

/** Wraps anything thrown into a KpoError; unknown failures are treated as retryable. */
export function toKpoError(error: unknown, fallbackCode: ErrorCode = 'KPO_INTERNAL'): KpoError {
  if (error instanceof KpoError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KpoError(fallbackCode, message, { retryable: true, cause: error });
}
