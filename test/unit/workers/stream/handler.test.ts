import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamHandler, type StreamHandlerDeps } from '../../../../workers/stream/handler.ts';
import { parseStreamOptions, type StreamOptions } from '../../../../workers/stream/options.ts';
import { terminalChunkForFailure } from '../../../../shared/messages/failure-protocol.ts';
import { InMemoryConversationHistoryStore } from '../../../helpers/in-memory-conversation-history-store.ts';
import { InMemoryStreamProgressStore } from '../../../helpers/in-memory-stream-progress-store.ts';
import type { ClientEvent, TokenChunk } from '../../../../shared/messages/types.ts';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import { waitFor } from '../../../helpers/wait-for.ts';
import { recordingContext, type RecordedEmit } from '../recording-handler-context.ts';
import { tokenChunk } from '../message-fixtures.ts';
import { recordedOutput } from './recorded-events-lookup.ts';

const NOW = 10_000;

function setup(options: Partial<StreamOptions> = {}, deps: Partial<StreamHandlerDeps> = {}) {
  const history = new InMemoryConversationHistoryStore();
  const progress = new InMemoryStreamProgressStore();
  const terminals: ClientEvent[] = [];
  const emitted: RecordedEmit<ClientEvent>[] = [];
  const output = recordedOutput(emitted);
  const handler = new StreamHandler({
    options: parseStreamOptions({ flushIntervalMs: 0, ...options }),
    history,
    progress,
    ...output,
    now: () => NOW,
    onTerminal: (event) => terminals.push(event),
    ...deps,
  });
  const feed = async (chunks: readonly TokenChunk[]): Promise<void> => {
    for (const chunk of chunks) await handler.handle(chunk, recordingContext(emitted));
  };
  return { handler, history, progress, terminals, emitted, feed, sent: output.sent };
}

function answer(texts: readonly string[], overrides: Partial<TokenChunk> = {}): TokenChunk[] {
  return texts.map((text, seq) => {
    const final = seq === texts.length - 1;
    return tokenChunk({
      seq,
      text,
      final,
      finishReason: final ? 'stop' : null,
      usage: final ? { promptTokens: 12, completionTokens: texts.length, cachedTokens: 4 } : null,
      userTurn: final ? 'What is Kafka?' : null,
      ...overrides,
    });
  });
}

function assertWellFormed(events: readonly ClientEvent[]): void {
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i),
    'event seqs are contiguous from 0',
  );
  const terminals = events.filter((e) => e.type !== 'token');
  assert.equal(terminals.length, 1, 'exactly one terminal');
  assert.equal(events.at(-1)?.type, terminals[0]?.type, 'the terminal comes last');
}

test('writes token events with contiguous seqs, then one done with usage and e2e latency', async () => {
  const { emitted, feed, terminals } = setup();
  await feed(answer(['Kafka ', 'is a ', 'log.', '']));
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(
    events
      .filter((e) => e.type === 'token')
      .map((e) => e.text)
      .join(''),
    'Kafka is a log.',
  );
  const done = events.at(-1);
  assert.equal(done?.type, 'done');
  assert.deepEqual(done?.usage, { promptTokens: 12, completionTokens: 4, cachedTokens: 4 });
  assert.equal(done?.e2eMs, NOW - 1_000);
  assert.equal(done?.finishReason, 'stop');
  assert.deepEqual(terminals, [done]);
  assert.deepEqual(
    emitted.map((e) => e.options?.seq),
    events.map((e) => e.seq),
  );
  assert.ok(emitted.every((e) => e.options?.key === 'sess-1' && e.options.topic === undefined));
});

test('chunks shuffled with repeats give the same client stream as in order', async () => {
  const inOrder = answer(['a', 'b', 'c', 'd', 'e', '']);
  const { emitted, feed } = setup();
  const [c0, c1, c2, c3, c4, c5] = inOrder;
  assert.ok(c0 && c1 && c2 && c3 && c4 && c5);
  await feed([c2, c0, c0, c3, c1, c2, c5, c4, c5, c1]);
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'abcde');
});

test('a repeated final chunk writes no second terminal and appends history once', async () => {
  const { emitted, feed, history } = setup();
  const chunks = answer(['Hi', ' there', '']);
  await feed([...chunks, chunks[2]!, chunks[2]!]);
  assertWellFormed(emitted.map((e) => e.output));
  assert.deepEqual(await history.load('sess-1'), [
    { role: 'user', content: 'What is Kafka?' },
    { role: 'assistant', content: 'Hi there' },
  ]);
});

test('history holds the exchange before the done event goes out', async () => {
  const { handler, history } = setup();
  const seenAtDone: unknown[] = [];
  const context = recordingContext<ClientEvent>();
  const emit = context.emit.bind(context);
  const checking = {
    ...context,
    emit: async (event: ClientEvent, options?: Parameters<typeof emit>[1]) => {
      if (event.type === 'done') seenAtDone.push(await history.load('sess-1'));
      await emit(event, options);
    },
  };
  for (const chunk of answer(['x', ''])) await handler.handle(chunk, checking);
  assert.equal((seenAtDone[0] as unknown[]).length, 2);
});

test('coalesces text that arrives within the flush interval into one event', async () => {
  let now = 50_000;
  const { emitted, feed } = setup({ flushIntervalMs: 20, flushChars: 1_000 }, { now: () => now });
  const chunks = answer(['first', ' a', ' b', ' c', '']);
  await feed(chunks.slice(0, 1)); // the first text goes out at once
  now += 5;
  await feed(chunks.slice(1, 3)); // held
  assert.equal(emitted.length, 1);
  now += 20;
  await feed(chunks.slice(3, 4)); // interval passed: everything held goes out together
  assert.deepEqual(
    emitted.map((e) => e.output.text),
    ['first', ' a b c'],
  );
  await feed(chunks.slice(4));
  assertWellFormed(emitted.map((e) => e.output));
});

test('flushChars writes a long buffer before the interval ends', async () => {
  const { emitted, feed, handler } = setup({ flushIntervalMs: 60_000, flushChars: 4 });
  await feed(answer(['a', 'bc', 'de', 'f', '']).slice(0, 4));
  handler.close();
  assert.deepEqual(
    emitted.map((e) => e.output.text),
    ['a', 'bcde'],
  );
});

test('held text goes out on the timer when no further chunk comes', async () => {
  const { emitted, handler } = setup({ flushIntervalMs: 15, flushChars: 1_000 }, { now: Date.now });
  const chunks = answer(['one', ' two', '']);
  await handler.handle(chunks[0]!, recordingContext(emitted));
  await handler.handle(chunks[1]!, recordingContext(emitted));
  await waitFor(() => emitted.length === 2, { timeoutMs: 2_000, what: 'the timer flush' });
  assert.equal(emitted[1]?.output.text, ' two');
  await handler.handle(chunks[2]!, recordingContext(emitted));
  assertWellFormed(emitted.map((e) => e.output));
  handler.close();
});

test('done carries the finish reason of the final chunk (length when the answer hit its limit)', async () => {
  const { emitted, feed } = setup();
  const chunks = answer(['Kafka ', 'is']);
  const last = chunks.at(-1);
  assert.ok(last);
  chunks[chunks.length - 1] = { ...last, finishReason: 'length' };
  await feed(chunks);
  const done = emitted.map((e) => e.output).at(-1);
  assert.equal(done?.type, 'done');
  assert.equal(done?.finishReason, 'length');
});

test('a final chunk with finishReason error ends with an error event and no history', async () => {
  const { emitted, feed, history } = setup();
  await feed(
    answer(['partial', ''], {}).map((c) =>
      c.final
        ? { ...c, finishReason: 'error', error: { code: 'KPO_MODEL_STREAM', message: 'connection reset' } }
        : c,
    ),
  );
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(events.at(-1)?.type, 'error');
  assert.equal(events.at(-1)?.errorCode, 'KPO_MODEL_STREAM');
  assert.deepEqual(await history.load('sess-1'), []);
});

test('an out-of-band failure chunk ends the stream after the tokens already sent', async () => {
  const { emitted, feed } = setup();
  const chunks = answer(['a', 'b', 'c', '']);
  await feed(chunks.slice(0, 2));
  const failure = terminalChunkForFailure({
    stage: 'post',
    error: new KpoError('KPO_HANDLER', 'post gave up'),
    attempts: 3,
    source: {
      topic: 'llm.tokens.raw',
      partition: 0,
      offset: '9',
      timestampMs: 0,
      key: 'sess-1',
      headers: {},
    },
    requestId: 'req-1',
    sessionId: 'sess-1',
    outcome: 'failed',
  });
  assert.ok(failure);
  await feed([failure, ...chunks.slice(2), failure]);
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.deepEqual(
    events.map((e) => e.type),
    ['token', 'token', 'error'],
  );
  assert.equal(events.at(-1)?.errorCode, 'KPO_HANDLER');
});

test('a request that never streamed ends with its failure at event seq 0', async () => {
  const { emitted, feed } = setup();
  const shed = terminalChunkForFailure({
    stage: 'rag',
    error: new KpoError('KPO_SHED_EXPIRED', 'past its deadline'),
    attempts: 1,
    source: { topic: 'llm.prompts', partition: 0, offset: '1', timestampMs: 0, key: 'sess-1', headers: {} },
    requestId: 'req-9',
    sessionId: 'sess-1',
    outcome: 'shed',
  });
  await feed([shed!]);
  assert.deepEqual(
    emitted.map((e) => [e.output.requestId, e.output.type, e.output.seq, e.output.errorCode]),
    [['req-9', 'shed', 0, 'KPO_SHED_EXPIRED']],
  );
});

test('events go to the request reply-to topic when it has one', async () => {
  const { emitted, feed } = setup();
  await feed(answer(['x', ''], { replyTo: 'client.replies' }));
  assert.ok(emitted.every((e) => e.options?.topic === 'client.replies'));
});

/** Stream workers sharing one progress store and one history, as workers of one stage share Redis. */
function sharedStores() {
  const shared = new InMemoryStreamProgressStore();
  const history = new InMemoryConversationHistoryStore();
  /** A worker whose events go to `emitted` (the output topic all workers write). */
  const make = (emitted: readonly RecordedEmit<ClientEvent>[]) =>
    new StreamHandler({
      options: parseStreamOptions({ flushIntervalMs: 0 }),
      history,
      progress: shared,
      ...recordedOutput(emitted),
      now: () => NOW,
    });
  return { history, make };
}

test('a worker taking over mid-request continues the event seqs from the progress store', async () => {
  const { history, make } = sharedStores();
  const emitted: RecordedEmit<ClientEvent>[] = [];
  const chunks = answer(['one ', 'two ', 'three', '']);
  const first = make(emitted);
  for (const chunk of chunks.slice(0, 3)) await first.handle(chunk, recordingContext(emitted));
  // the first worker dies; the second gets the partition and a replay from an older offset
  const second = make(emitted);
  for (const chunk of chunks.slice(1)) await second.handle(chunk, recordingContext(emitted));
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'one two three');
  assert.equal((await history.load('sess-1'))[1]?.content, 'one two three');
});

test('a failed write is retried without repeating or skipping an event', async () => {
  const { handler, emitted } = setup();
  let failNext = true;
  const flaky = recordingContext<ClientEvent>(emitted);
  const emit = flaky.emit.bind(flaky);
  const context = {
    ...flaky,
    emit: async (event: ClientEvent, options?: Parameters<typeof emit>[1]) => {
      if (event.type === 'done' && failNext) {
        failNext = false;
        throw new KpoError('KPO_KAFKA', 'broker unavailable', { retryable: true });
      }
      await emit(event, options);
    },
  };
  const chunks = answer(['a', 'b', '']);
  await handler.handle(chunks[0]!, context);
  await handler.handle(chunks[1]!, context);
  await assert.rejects(handler.handle(chunks[2]!, context), { code: 'KPO_KAFKA' });
  await handler.handle(chunks[2]!, context); // the runtime's retry
  assertWellFormed(emitted.map((e) => e.output));
});

test('a retryable history failure fails the chunk; the retry appends and writes done', async () => {
  const history = new InMemoryConversationHistoryStore();
  let fail = true;
  const flakyHistory = {
    load: history.load.bind(history),
    clear: history.clear.bind(history),
    appendExchange: async (...args: Parameters<typeof history.appendExchange>) => {
      if (fail) {
        fail = false;
        throw new KpoError('KPO_REDIS', 'redis down', { retryable: true });
      }
      return history.appendExchange(...args);
    },
  };
  const { handler, emitted } = setup({}, { history: flakyHistory });
  const chunks = answer(['a', '']);
  await handler.handle(chunks[0]!, recordingContext(emitted));
  await assert.rejects(handler.handle(chunks[1]!, recordingContext(emitted)), { code: 'KPO_REDIS' });
  await handler.handle(chunks[1]!, recordingContext(emitted));
  assertWellFormed(emitted.map((e) => e.output));
  assert.equal((await history.load('sess-1')).length, 2);
});

test('state stays bounded by maxRequests', async () => {
  const { handler, feed } = setup({ maxRequests: 5 });
  for (let i = 0; i < 20; i += 1) await feed([tokenChunk({ requestId: `r${i}`, text: 'x' })]);
  assert.equal(handler.trackedRequests, 5);
});

test('chunks of a second generation are refused: two generations never splice into one answer', async () => {
  const { emitted, feed } = setup();
  const first = answer(['Kafka ', 'is ', 'a log.'], { generationId: 'gen-1' });
  // The same answer generated again, cut into chunks at other places.
  const second = answer(['Kaf', 'ka is', ' a log', '.'], { generationId: 'gen-2' });
  await feed([first[0]!, first[1]!, ...second.slice(0, 3), first[2]!]);
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(events.at(-1)?.type, 'done');
  assert.equal(events.map((e) => e.text).join(''), 'Kafka is a log.');
});

test('a second generation that ends is refused too: the request ends with an error after what the client has', async () => {
  const { emitted, feed, history } = setup();
  const first = answer(['Kafka ', 'is ', 'a log.'], { generationId: 'gen-1' });
  const second = answer(['Kaf', 'ka is', ' a log.'], { generationId: 'gen-2' });
  await feed([first[0]!, first[1]!, ...second, first[2]!]);
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(events.at(-1)?.type, 'error');
  assert.equal(events.at(-1)?.errorCode, 'KPO_MODEL_STREAM');
  assert.equal(events.map((e) => e.text).join(''), 'Kafka is ');
  assert.deepEqual(await history.load('sess-1'), [], 'no history for an unfinished answer');
});

test('a resumed generation goes on after the last seq the client has, and done says how often it was resumed', async () => {
  const { emitted, feed } = setup();
  const chunks = answer(['one ', 'two ', 'three ', 'four'], { generationId: 'gen-1' });
  const resumed = (chunk: TokenChunk, resumes: number): TokenChunk => ({ ...chunk, resumes });
  // Worker 1 sent 0 and 1 and died; worker 2 re-sent 1 and went on; worker 3 re-sent 2 and finished.
  await feed([
    chunks[0]!,
    chunks[1]!,
    chunks[1]!,
    resumed(chunks[2]!, 1),
    resumed(chunks[2]!, 1),
    resumed(chunks[3]!, 2),
  ]);
  const events = emitted.map((e) => e.output);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'one two three four');
  assert.equal(events.at(-1)?.type, 'done');
  assert.equal(events.at(-1)?.resumes, 2);
});

/**
 * Chunks 0–1 go to the first worker, 2–3 to the second (the partition moved), then the partition comes back to the
 * first (which still holds its own older copy) and it gets chunks from `backFrom` on. Returns the client's events.
 */
async function partitionComesBack(backFrom: number): Promise<ClientEvent[]> {
  const { make } = sharedStores();
  const emitted: RecordedEmit<ClientEvent>[] = [];
  const chunks = answer(['one ', 'two ', 'three ', 'four ', 'five']);
  const first = make(emitted);
  const second = make(emitted);
  for (const chunk of chunks.slice(0, 2)) await first.handle(chunk, recordingContext(emitted));
  for (const chunk of chunks.slice(2, 4)) await second.handle(chunk, recordingContext(emitted));
  for (const chunk of chunks.slice(backFrom)) await first.handle(chunk, recordingContext(emitted));
  return emitted.map((e) => e.output);
}

test('a worker whose partition comes back reloads the progress another worker saved meanwhile', async () => {
  // Chunk 4 waits for a gap in the old copy (it expects chunk 2): the version check finds the newer state.
  const events = await partitionComesBack(4);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'one two three four five');
});

/** A context whose emit puts the event on the "topic" (or not) and then dies, as a worker killed at that moment. */
function dyingAt(emitted: RecordedEmit<ClientEvent>[], seq: number, brokerTookIt: boolean) {
  const context = recordingContext<ClientEvent>(emitted);
  const emit = context.emit.bind(context);
  return {
    ...context,
    emit: async (event: ClientEvent, options?: Parameters<typeof emit>[1]) => {
      if (event.seq === seq) {
        if (brokerTookIt) await emit(event, options);
        throw new Error('the worker died here');
      }
      await emit(event, options);
    },
  };
}

/**
 * Worker 1 sends event 0, then dies while sending event 1 (after or before the broker took it); the chunk was not
 * committed, so worker 2 gets it again and the rest of the answer. Returns what the output topic holds.
 */
async function takeoverAfterDeath(brokerTookIt: boolean): Promise<ClientEvent[]> {
  const { make } = sharedStores();
  const emitted: RecordedEmit<ClientEvent>[] = [];
  const chunks = answer(['one ', 'two ', 'three', '']);
  const first = make(emitted);
  await first.handle(chunks[0]!, recordingContext(emitted));
  await assert.rejects(first.handle(chunks[1]!, dyingAt(emitted, 1, brokerTookIt)));
  const second = make(emitted);
  for (const chunk of chunks.slice(1)) await second.handle(chunk, recordingContext(emitted));
  return emitted.map((e) => e.output);
}

test('a worker that dies right after the broker took an event: the takeover sends no event twice', async () => {
  const events = await takeoverAfterDeath(true);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'one two three');
});

test('a worker that dies after saving, before the broker took the event: the takeover sends it', async () => {
  const events = await takeoverAfterDeath(false);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'one two three');
});

test('a worker that sent its own events never asks the output topic', async () => {
  const { feed, sent, emitted } = setup({ flushIntervalMs: 20 });
  await feed(answer(['a', 'b', 'c', '']));
  assert.equal(emitted.at(-1)?.output.type, 'done');
  assert.deepEqual(sent.queries, []);
});

test('a stale copy whose next chunk changes state is refused at save and the chunk handled on the saved state', async () => {
  // Replayed from chunk 2, which the old copy expects: its save is refused.
  const events = await partitionComesBack(2);
  assertWellFormed(events);
  assert.equal(events.map((e) => e.text).join(''), 'one two three four five');
});
