import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RequestEventQueue } from '../../../shared/client/request-event-queue.ts';
import type { ClientEvent } from '../../../shared/messages/types.ts';

function event(seq: number, type: ClientEvent['type'] = 'token'): ClientEvent {
  return {
    requestId: 'r1',
    sessionId: 's1',
    type,
    seq,
    text: type === 'token' ? `t${seq}` : '',
    usage: null,
    errorCode: null,
    errorMessage: null,
    timestampMs: 0,
    e2eMs: null,
    resumes: 0,
    finishReason: null,
  };
}

async function drain(queue: RequestEventQueue): Promise<ClientEvent[]> {
  const seen: ClientEvent[] = [];
  for await (const e of queue) seen.push(e);
  return seen;
}

test('a missing seq ends the stream with a KPO_EVENT_GAP error naming the missing events', async () => {
  let released = 0;
  const queue = new RequestEventQueue('r1', 's1', 5_000, () => released++);
  queue.push(event(0));
  queue.push(event(2));
  queue.push(event(3, 'done'));
  const seen = await drain(queue);
  assert.deepEqual(
    seen.map((e) => [e.type, e.errorCode]),
    [
      ['token', null],
      ['error', 'KPO_EVENT_GAP'],
    ],
  );
  assert.match(seen[1]!.errorMessage ?? '', /events 1\.\.1 of request r1/);
  assert.equal(released, 1);
});

test('repeats are dropped and a low-seq terminal is still taken', async () => {
  const queue = new RequestEventQueue('r1', 's1', 5_000, () => undefined);
  queue.push(event(0));
  queue.push(event(0));
  queue.push(event(1));
  queue.push(event(0, 'error'));
  assert.deepEqual(
    (await drain(queue)).map((e) => `${e.type}${e.seq}`),
    ['token0', 'token1', 'error0'],
  );
});

test('release() without iterating stops following once, and later events are ignored', () => {
  let released = 0;
  const queue = new RequestEventQueue('r1', 's1', 5_000, () => released++);
  queue.release();
  queue.release();
  queue.push(event(0));
  assert.equal(released, 1);
});
