/**
 * One streaming POST to a model server with node's fetch: JSON in, SSE out.
 * Status errors, network failures and aborts all come out as KpoErrors; the
 * caller's signal is handed to fetch, so aborting closes the connection.
 */
import type { EventSourceMessage } from 'eventsource-parser';
import { errorFromFailure, errorFromResponse, errorFromStreamEvent } from './http-errors.ts';
import { asObject } from './json-fields.ts';
import { parseEventJson, readSseEvents } from './sse-reader.ts';

export interface StreamCallOptions {
  readonly endpoint: string;
  readonly requestId?: string;
  readonly apiKey?: string;
  readonly signal?: AbortSignal;
}

export async function* postForEvents(
  url: string,
  body: unknown,
  options: StreamCallOptions,
): AsyncGenerator<EventSourceMessage> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (options.apiKey !== undefined) headers['authorization'] = `Bearer ${options.apiKey}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    throw errorFromFailure(error, options.signal, options.endpoint).withContext(contextOf(options));
  }
  if (!response.ok) throw await errorFromResponse(response, options.endpoint, options.requestId);
  if (response.body === null) return;
  try {
    yield* readSseEvents(response.body);
  } catch (error) {
    throw errorFromFailure(error, options.signal, options.endpoint).withContext(contextOf(options));
  } finally {
    // An early return (consumer stopped) must not leave the socket open.
    await response.body.cancel().catch(() => undefined);
  }
}

/** The call options of one request to an endpoint (the same for every adapter). */
export function streamCallOptions(
  endpoint: string,
  apiKey: string | undefined,
  requestId: string,
  signal: AbortSignal | undefined,
): StreamCallOptions {
  return {
    endpoint,
    requestId,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(signal === undefined ? {} : { signal }),
  };
}

/**
 * postForEvents for servers whose every event is one JSON object (llama.cpp, TGI):
 * an `error` event, a body that is not an object, or an object with `error` ends the
 * stream with the server's error.
 */
export async function* postForJsonEvents(
  url: string,
  body: unknown,
  options: StreamCallOptions,
): AsyncGenerator<Readonly<Record<string, unknown>>> {
  for await (const event of postForEvents(url, body, options)) {
    const parsed = parseEventJson(event.data);
    const data = asObject(parsed);
    if (event.event === 'error' || data === undefined || data['error'] !== undefined) {
      throw errorFromStreamEvent(parsed ?? event.data, options.endpoint);
    }
    yield data;
  }
}

function contextOf(options: StreamCallOptions): { endpoint: string; requestId?: string } {
  return {
    endpoint: options.endpoint,
    ...(options.requestId === undefined ? {} : { requestId: options.requestId }),
  };
}
