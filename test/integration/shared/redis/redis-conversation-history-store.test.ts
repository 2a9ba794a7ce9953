import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEndpoints } from '../../../helpers/services.ts';
import { uniqueName } from '../../../helpers/unique-name.ts';
import { createRedisConnection } from '../../../../shared/redis/redis-connection.ts';
import { RedisKeyNamespace } from '../../../../shared/redis/redis-key-namespace.ts';
import { RedisConversationHistoryStore } from '../../../../shared/redis/redis-conversation-history-store.ts';
import { RedisStreamProgressStore } from '../../../../shared/redis/redis-stream-progress-store.ts';
import { tokenEvent } from '../../../../workers/stream/client-events.ts';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';

const redis = createRedisConnection({ url: serviceEndpoints().redisUrl });
const keys = new RedisKeyNamespace(uniqueName('kpo-test'));

after(async () => {
  const created = await redis.keys(`${keys.prefix}:*`);
  if (created.length > 0) await redis.del(...created);
  await redis.quit();
});

test('appended turns load back oldest first', async () => {
  const store = new RedisConversationHistoryStore(redis, keys);
  const session = uniqueName('session');
  assert.deepEqual(await store.load(session), []);
  await store.appendExchange(session, 'r1', [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content: 'hello' },
  ]);
  await store.appendExchange(session, 'r2', [
    { role: 'user', content: 'how are you' },
    { role: 'assistant', content: 'fine' },
  ]);
  assert.deepEqual(
    (await store.load(session)).map((turn) => turn.content),
    ['hi', 'hello', 'how are you', 'fine'],
  );
});

test('a repeated append of the same request appends nothing', async () => {
  const store = new RedisConversationHistoryStore(redis, keys);
  const session = uniqueName('session');
  const turns = [
    { role: 'user', content: 'q' },
    { role: 'assistant', content: 'a' },
  ] as const;
  assert.equal(await store.appendExchange(session, 'r1', turns), true);
  assert.equal(await store.appendExchange(session, 'r1', turns), false);
  assert.equal((await store.load(session)).length, 2);
});

test('history is bounded to the newest maxTurns and gets a TTL', async () => {
  const store = new RedisConversationHistoryStore(redis, keys, { maxTurns: 3, ttlSeconds: 120 });
  const session = uniqueName('session');
  for (let i = 0; i < 4; i += 1) {
    await store.appendExchange(session, `r${i}`, [
      { role: 'user', content: `u${i}` },
      { role: 'assistant', content: `a${i}` },
    ]);
  }
  assert.deepEqual(
    (await store.load(session)).map((turn) => turn.content),
    ['a2', 'u3', 'a3'],
  );
  const ttl = await redis.ttl(keys.history(session));
  assert.ok(ttl > 0 && ttl <= 120, `ttl ${ttl}`);
});

test('corrupt JSON in the history list fails with KPO_HISTORY_CORRUPT, not retryable', async () => {
  const store = new RedisConversationHistoryStore(redis, keys);
  const session = uniqueName('session');
  await redis.rpush(keys.history(session), '{"role":"user","content":"ok"}', '{not json');
  await assert.rejects(store.load(session), (error: unknown) => {
    assert.ok(error instanceof KpoError);
    assert.equal(error.code, 'KPO_HISTORY_CORRUPT');
    assert.equal(error.retryable, false);
    assert.equal(error.context.sessionId, session);
    return true;
  });
});

test('a history key of the wrong type is corruption, for load and append', async () => {
  const store = new RedisConversationHistoryStore(redis, keys);
  const session = uniqueName('session');
  await redis.set(keys.history(session), 'a string, not a list');
  await assert.rejects(store.load(session), { code: 'KPO_HISTORY_CORRUPT' });
  await assert.rejects(store.appendExchange(session, 'r1', [{ role: 'user', content: 'x' }]), {
    code: 'KPO_HISTORY_CORRUPT',
  });
});

test('stream progress round-trips and expires', async () => {
  const store = new RedisStreamProgressStore(redis, keys, 60_000);
  const session = uniqueName('session');
  assert.equal(await store.load(session, 'r1'), null);
  const progress = {
    nextChunkSeq: 4,
    nextEventSeq: 2,
    heldText: 'par',
    assistantText: 'the par',
    userTurn: 'q',
    replyTo: null,
    requestCreatedAtMs: 5,
    pendingTerminal: {
      type: 'done' as const,
      usage: null,
      errorCode: null,
      errorMessage: null,
      finishReason: 'length',
    },
    terminated: false,
    generationId: 'gen-1',
    resumes: 1,
    version: 1,
    outbox: [tokenEvent({ requestId: 'r1', sessionId: session }, 1, 'the ', 7)],
    outboxSavedAtMs: 6,
  };
  assert.equal(await store.save(session, 'r1', progress), true);
  assert.deepEqual(await store.load(session, 'r1'), progress);
  const pttl = await redis.pttl(keys.streamProgress(session, 'r1'));
  assert.ok(pttl > 0 && pttl <= 60_000);
});

test('a stream progress save is refused unless it follows the version stored', async () => {
  const store = new RedisStreamProgressStore(redis, keys, 60_000);
  const session = uniqueName('session');
  const progress = (version: number, heldText: string) => ({
    nextChunkSeq: version,
    nextEventSeq: 0,
    heldText,
    assistantText: heldText,
    userTurn: null,
    replyTo: null,
    requestCreatedAtMs: 0,
    pendingTerminal: null,
    terminated: false,
    generationId: null,
    resumes: 0,
    version,
    outbox: [],
    outboxSavedAtMs: 0,
  });
  assert.equal(await store.save(session, 'r1', progress(2, 'x')), false, 'version 2 over none');
  assert.equal(await store.save(session, 'r1', progress(1, 'a')), true);
  assert.equal(await store.save(session, 'r1', progress(2, 'ab')), true);
  // A worker that loaded version 1 and went on meanwhile: its save would overwrite the newer state.
  assert.equal(await store.save(session, 'r1', progress(2, 'a-stale')), false);
  assert.equal((await store.load(session, 'r1'))?.heldText, 'ab');
});

test('stream progress saved as plain JSON (before versions led the value) loads and is saved over', async () => {
  const store = new RedisStreamProgressStore(redis, keys, 60_000);
  const session = uniqueName('session');
  const key = keys.streamProgress(session, 'r1');
  await redis.set(
    key,
    JSON.stringify({
      nextChunkSeq: 3,
      nextEventSeq: 2,
      heldText: '',
      assistantText: 'ab',
      terminated: false,
      version: 4,
    }),
  );
  const loaded = await store.load(session, 'r1');
  assert.equal(loaded?.version, 4);
  assert.deepEqual(loaded?.outbox, []);
  assert.ok(loaded);
  assert.equal(await store.save(session, 'r1', { ...loaded, version: 5, heldText: 'c' }), true);
  assert.equal((await store.load(session, 'r1'))?.heldText, 'c');
});
