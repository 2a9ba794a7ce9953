/**
 * Reads a server-sent-event body with eventsource-parser. Bytes are decoded
 * with a streaming TextDecoder, so a multi-byte UTF-8 character split across
 * network chunks comes out whole. Comment (keep-alive) lines are dropped by
 * the parser. A bare `error: {…}` line (older llama.cpp servers) is reported
 * as an event named "error".
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export async function* readSseEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventSourceMessage> {
  const decoder = new TextDecoder('utf-8');
  const pending: EventSourceMessage[] = [];
  const parser = createParser({
    onEvent: (event) => pending.push(event),
    onError: (error) => {
      if (error.type === 'unknown-field' && error.field === 'error' && error.value !== undefined) {
        pending.push({ event: 'error', data: error.value });
      }
    },
  });
  for await (const bytes of body) {
    parser.feed(decoder.decode(bytes, { stream: true }));
    while (pending.length > 0) yield pending.shift()!;
  }
  // Per the SSE spec an event without its terminating blank line is dropped at the end of the body.
  parser.feed(decoder.decode());
  while (pending.length > 0) yield pending.shift()!;
}

/** JSON of an SSE data field; undefined when it is not JSON. */
export function parseEventJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}
