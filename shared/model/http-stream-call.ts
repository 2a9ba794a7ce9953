/**
 * One streaming POST to a model server: JSON in, SSE out. Status errors,
 * network failures and aborts all come out as KpoErrors; the caller's signal
 * is handed to the request, so aborting closes the connection.
 *
 * undici's request(), not fetch: fetch wraps every body chunk in a WHATWG
 * ReadableStream read (promises, microtasks, async hooks per token), which was
 * a large share of the inference worker's CPU per request in bench:pipeline's
 * profiles; request() hands node's own Readable to the SSE reader.
 */
import { STATUS_CODES } from 'node:http';
import type { EventSourceMessage } from 'eventsource-parser';
import { request, type Dispatcher } from 'undici';
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
  let response: Dispatcher.ResponseData;
  try {
    response = await request(url, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (error) {
    throw errorFromFailure(error, options.signal, options.endpoint).withContext(contextOf(options));
  }
  const { statusCode, body: responseBody } = response;
  if (statusCode < 200 || statusCode > 299) {
    const retryAfter = response.headers['retry-after'];
    throw await errorFromResponse(
      {
        status: statusCode,
        statusText: STATUS_CODES[statusCode] ?? '',
        headers: {
          get: (name) => (name === 'retry-after' && typeof retryAfter === 'string' ? retryAfter : null),
        },
        text: () => responseBody.text(),
      },
      options.endpoint,
      options.requestId,
    );
  }
  try {
    yield* readSseEvents(responseBody);
  } catch (error) {
    throw errorFromFailure(error, options.signal, options.endpoint).withContext(contextOf(options));
  } finally {
    // An early return (consumer stopped) must not leave the socket open.
    if (!responseBody.destroyed) responseBody.destroy();
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
