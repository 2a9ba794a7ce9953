/** One JSON POST with an AbortSignal, failures as KpoErrors the runtime can classify. */
import type { z } from 'zod';
import { KpoError } from '../../shared/errors/kpo-error.ts';

export async function postJson<T>(
  url: string,
  body: unknown,
  schema: z.ZodType<T>,
  options: { readonly headers: Readonly<Record<string, string>>; readonly signal: AbortSignal },
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
      signal: options.signal,
    });
  } catch (cause) {
    if (options.signal.aborted) throw abortError(url, options.signal, cause);
    throw new KpoError('KPO_RETRIEVAL', `retrieval call failed: ${errorText(cause)}`, {
      retryable: true,
      cause,
      context: { endpoint: url },
    });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new KpoError('KPO_RETRIEVAL', `retrieval endpoint answered HTTP ${response.status}`, {
      retryable: response.status === 429 || response.status >= 500,
      context: { endpoint: url },
    });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    if (options.signal.aborted) throw abortError(url, options.signal, cause);
    throw new KpoError('KPO_RETRIEVAL', 'retrieval endpoint answered with invalid JSON', {
      retryable: true,
      cause,
      context: { endpoint: url },
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new KpoError(
      'KPO_RETRIEVAL',
      `retrieval endpoint answered an unexpected shape: ${parsed.error.message}`,
      {
        retryable: false,
        context: { endpoint: url },
      },
    );
  }
  return parsed.data;
}

export function abortError(url: string, signal: AbortSignal, cause?: unknown): KpoError {
  const reason: unknown = signal.reason;
  if (reason instanceof KpoError) return reason;
  return new KpoError('KPO_TIMEOUT', 'retrieval was aborted (timeout or cancellation)', {
    retryable: true,
    cause: cause ?? reason,
    context: { endpoint: url },
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
