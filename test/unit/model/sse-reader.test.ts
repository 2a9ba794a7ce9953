import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSseEvents } from '../../../shared/model/sse-reader.ts';

async function* pieces(...parts: (string | Uint8Array)[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? new TextEncoder().encode(part) : part;
}

async function collect(body: AsyncIterable<Uint8Array>) {
  const events = [];
  for await (const event of readSseEvents(body)) events.push(event);
  return events;
}

describe('readSseEvents', () => {
  it('decodes a multi-byte character split between two network chunks', async () => {
    const bytes = new TextEncoder().encode('data: 🙂東\n\n');
    // Split inside the 4-byte emoji and again inside the 3-byte CJK character.
    const events = await collect(pieces(bytes.subarray(0, 8), bytes.subarray(8, 11), bytes.subarray(11)));
    assert.deepEqual(
      events.map((e) => e.data),
      ['🙂東'],
    );
  });

  it('drops comment (keep-alive) lines and reads CRLF line endings', async () => {
    const events = await collect(
      pieces(': keep-alive\r\n\r\n', 'data: one\r\n\r\n: ping\n\n', 'data: two\n\n'),
    );
    assert.deepEqual(
      events.map((e) => e.data),
      ['one', 'two'],
    );
  });

  it('joins an event whose lines arrive one byte at a time', async () => {
    const text = 'event: message\ndata: {"a":1}\n\n';
    const events = await collect(pieces(...text.split('')));
    assert.deepEqual(events, [{ event: 'message', data: '{"a":1}', id: undefined }]);
  });

  it('reports a bare `error:` line (older llama.cpp) as an event named error', async () => {
    const events = await collect(pieces('error: {"code":500,"message":"boom"}\n\n'));
    assert.equal(events[0]?.event, 'error');
    assert.equal(events[0]?.data, '{"code":500,"message":"boom"}');
  });

  it('drops an unterminated last event, as the SSE spec says (a cut stream)', async () => {
    const events = await collect(pieces('data: one\n\n', 'data: {"half":'));
    assert.deepEqual(
      events.map((e) => e.data),
      ['one'],
    );
  });
});
