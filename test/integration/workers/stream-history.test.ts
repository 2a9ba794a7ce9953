import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { createRedisStores } from '../../helpers/redis-stores.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { StreamHandler } from '../../../workers/stream/handler.ts';
import { parseStreamOptions } from '../../../workers/stream/options.ts';
import { AssembleHandler } from '../../../workers/assemble/handler.ts';
import { parseAssembleOptions } from '../../../workers/assemble/options.ts';
import type { AssembledPrompt, ClientEvent, TokenChunk } from '../../../shared/messages/types.ts';
import { recordingContext, type RecordedEmit } from '../../unit/workers/recording-handler-context.ts';
import { recordedOutput } from '../../unit/workers/stream/recorded-events-lookup.ts';
import { promptRequest, tokenChunk } from '../../unit/workers/message-fixtures.ts';

const redis = createRedisConnection({ url: serviceEndpoints().redisUrl });
const keyPrefix = uniqueName('kpo-test');
const stores = createRedisStores(redis, { keyPrefix, history: { maxTurns: 20, ttlSeconds: 300 } });
const options = parseStreamOptions({ flushIntervalMs: 0 });

after(async () => {
  const created = await redis.keys(`${keyPrefix}:*`);
  if (created.length > 0) await redis.del(...created);
  await redis.quit();
});

function answer(
  requestId: string,
  sessionId: string,
  texts: readonly string[],
  userTurn: string,
): TokenChunk[] {
  return texts.map((text, seq) => {
    const final = seq === texts.length - 1;
    return tokenChunk({
      requestId,
      sessionId,
      seq,
      text,
      final,
      finishReason: final ? 'stop' : null,
      userTurn: final ? userTurn : null,
    });
  });
}

test('a finished request is appended to Redis history and the next turn is assembled with it', async () => {
  const session = uniqueName('session');
  const events: RecordedEmit<ClientEvent>[] = [];
  const stream = new StreamHandler({ options, ...stores, ...recordedOutput(events) });
  for (const chunk of answer(
    'r1',
    session,
    ['Partitions ', 'order records.', ''],
    'What do partitions do?',
  )) {
    await stream.handle(chunk, recordingContext(events));
  }
  assert.equal(events.at(-1)?.output.type, 'done');

  const assemble = new AssembleHandler({
    history: stores.history,
    options: parseAssembleOptions({ systemPrompt: 'SYS' }),
  });
  const prompts: RecordedEmit<AssembledPrompt>[] = [];
  await assemble.handle(
    { request: promptRequest({ requestId: 'r2', sessionId: session }), documents: [], retrievalMs: 0 },
    recordingContext(prompts),
  );
  assert.deepEqual(
    prompts[0]?.output.messages.map((m) => [m.role, m.content]),
    [
      ['system', 'SYS'],
      ['user', 'What do partitions do?'],
      ['assistant', 'Partitions order records.'],
      ['user', 'How do consumer groups rebalance?'],
    ],
  );
});

test('a final chunk replayed to a fresh worker appends nothing twice and writes no second terminal', async () => {
  const session = uniqueName('session');
  const chunks = answer('r1', session, ['Hello', ''], 'Hi?');
  const events: RecordedEmit<ClientEvent>[] = [];
  const first = new StreamHandler({ options, ...stores, ...recordedOutput(events) });
  for (const chunk of chunks) await first.handle(chunk, recordingContext(events));
  // a rebalance replays the whole request to another worker
  const second = new StreamHandler({ options, ...stores, ...recordedOutput(events) });
  for (const chunk of chunks) await second.handle(chunk, recordingContext(events));
  assert.deepEqual(
    events.map((e) => [e.output.type, e.output.seq]),
    [
      ['token', 0],
      ['done', 1],
    ],
  );
  assert.equal((await stores.history.load(session)).length, 2);
});

test('a worker taking over mid-stream resumes from the progress in Redis', async () => {
  const session = uniqueName('session');
  const chunks = answer('r1', session, ['a', 'b', 'c', 'd', ''], 'letters?');
  const events: RecordedEmit<ClientEvent>[] = [];
  const first = new StreamHandler({ options, ...stores, ...recordedOutput(events) });
  for (const chunk of chunks.slice(0, 3)) await first.handle(chunk, recordingContext(events));
  const second = new StreamHandler({ options, ...stores, ...recordedOutput(events) });
  for (const chunk of chunks.slice(2)) await second.handle(chunk, recordingContext(events));
  const seen = events.map((e) => e.output);
  assert.deepEqual(
    seen.map((e) => e.seq),
    [0, 1, 2, 3, 4],
  );
  assert.equal(seen.map((e) => e.text).join(''), 'abcd');
  assert.deepEqual(
    (await stores.history.load(session)).map((t) => t.content),
    ['letters?', 'abcd'],
  );
});

test('corrupt history at append time still ends the request with done, and reports the corruption', async () => {
  const session = uniqueName('session');
  await redis.set(new RedisKeyNamespace(keyPrefix).history(session), 'not a list');
  const failures: string[] = [];
  const events: RecordedEmit<ClientEvent>[] = [];
  const stream = new StreamHandler({
    options,
    ...stores,
    ...recordedOutput(events),
    onHistoryAppendFailed: (error) => failures.push(error.code),
  });
  for (const chunk of answer('r1', session, ['x', ''], 'q'))
    await stream.handle(chunk, recordingContext(events));
  assert.equal(events.at(-1)?.output.type, 'done');
  assert.deepEqual(failures, ['KPO_HISTORY_CORRUPT']);
});

test('progress in Redis that does not parse fails the chunk clearly instead of reloading forever', async () => {
  const session = uniqueName('session');
  await redis.set(new RedisKeyNamespace(keyPrefix).streamProgress(session, 'r1'), '7:{not json');
  const events: RecordedEmit<ClientEvent>[] = [];
  const stream = new StreamHandler({ options, ...stores, ...recordedOutput(events) });
  const [first] = answer('r1', session, ['x', ''], 'q');
  await assert.rejects(stream.handle(first!, recordingContext(events)), {
    code: 'KPO_INTERNAL',
    retryable: true,
  });
  assert.deepEqual(events, []);
});
