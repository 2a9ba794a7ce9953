/**
 * Turns what can go wrong on an HTTP call to a model server into KpoErrors:
 * error statuses with their JSON bodies, Retry-After, network failures and
 * aborts (whose reason decides between a timeout and a cancellation).
 */
import { KpoError } from '../errors/kpo-error.ts';

const MAX_ERROR_BODY_CHARS = 2000;

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const dateMs = Date.parse(trimmed);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, dateMs - nowMs);
}

/** The human message inside the error bodies OpenAI, vLLM, TGI and llama.cpp send. */
export function errorMessageFromBody(body: unknown): string | undefined {
  if (typeof body === 'string') return body;
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const error = record['error'];
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const message = (error as Record<string, unknown>)['message'];
    if (typeof message === 'string') return message;
  }
  const message = record['message'];
  return typeof message === 'string' ? message : undefined;
}

function parseJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The parts of a non-2xx answer an error needs (a fetch Response has them). */
export interface FailedResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** A KpoError for a non-2xx response; consumes the body. */
export async function errorFromResponse(
  response: FailedResponse,
  endpoint: string,
  requestId?: string,
): Promise<KpoError> {
  const text = (await response.text().catch(() => '')).slice(0, MAX_ERROR_BODY_CHARS);
  const detail = errorMessageFromBody(parseJsonOrText(text)) ?? response.statusText;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const status = response.status;
  const context = { endpoint, ...(requestId === undefined ? {} : { requestId }) };
  const retryable = status === 408 || status === 429 || status >= 500;
  return new KpoError(
    status === 429 ? 'KPO_MODEL_RATE_LIMITED' : 'KPO_MODEL_HTTP',
    `model server answered ${status}: ${detail}`,
    { retryable, context, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
  );
}

/**
 * The error for a failed fetch or body read. When the signal was aborted its
 * reason wins: a KpoError reason (a timeout) is passed through, anything else
 * means the caller cancelled.
 */
export function errorFromFailure(
  error: unknown,
  signal: AbortSignal | undefined,
  endpoint: string,
): KpoError {
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    if (reason instanceof KpoError) return reason;
    return new KpoError('KPO_CANCELLED', 'the model call was cancelled', {
      retryable: false,
      cause: reason,
      context: { endpoint },
    });
  }
  if (error instanceof KpoError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new KpoError('KPO_MODEL_STREAM', `model connection failed: ${message}`, {
    retryable: true,
    cause: error,
    context: { endpoint },
  });
}

/** An error event inside an SSE stream (`data: {"error": …}`) as a KpoError. */
export function errorFromStreamEvent(body: unknown, endpoint: string): KpoError {
  const message = errorMessageFromBody(body) ?? 'unknown error';
  return new KpoError('KPO_MODEL_STREAM', `model stream reported an error: ${message}`, {
    retryable: true,
    context: { endpoint },
  });
}
