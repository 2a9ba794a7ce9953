/**
 * Errors the gateway answers with, in OpenAI's shape
 * (`{ error: { message, type, param, code } }`), so every OpenAI SDK raises
 * its usual typed exception (BadRequestError, AuthenticationError, …).
 */

export type OpenAiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'service_unavailable';

export interface OpenAiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: OpenAiErrorType;
    readonly param: string | null;
    readonly code: string | null;
  };
}

export interface GatewayHttpErrorOptions {
  readonly type: OpenAiErrorType;
  /** The request field at fault (OpenAI's `param`), e.g. "messages[0].content" or "n". */
  readonly param?: string | null;
  /** A stable machine-readable code, e.g. "model_not_found", "rate_limit_exceeded". */
  readonly code?: string | null;
  /** Seconds the client should wait before retrying (429/503): sent as Retry-After. */
  readonly retryAfterSeconds?: number;
  /** Extra response headers (x-ratelimit-*). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failure the gateway turns into an HTTP status and an OpenAI-shaped body. */
export class GatewayHttpError extends Error {
  readonly status: number;
  readonly type: OpenAiErrorType;
  readonly param: string | null;
  readonly code: string | null;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, options: GatewayHttpErrorOptions) {
    super(message);
    this.name = 'GatewayHttpError';
    this.status = status;
    this.type = options.type;
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers ?? {};
  }

  body(): OpenAiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }

  /** Response headers: Retry-After when set, plus any extra ones. */
  responseHeaders(): Record<string, string> {
    return {
      ...this.headers,
      ...(this.retryAfterSeconds === undefined ? {} : { 'retry-after': String(this.retryAfterSeconds) }),
    };
  }
}

/** A 400 naming the field at fault. */
export function invalidRequest(
  message: string,
  param: string | null,
  code: string | null = null,
): GatewayHttpError {
  return new GatewayHttpError(400, message, { type: 'invalid_request_error', param, code });
}
