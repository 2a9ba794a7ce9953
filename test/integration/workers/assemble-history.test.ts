import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { RedisConversationHistoryStore } from '../../../shared/redis/redis-conversation-history-store.ts';
import { AssembleHandler } from '../../../workers/assemble/handler.ts';
import { parseAssembleOptions } from '../../../workers/assemble/options.ts';
import type { AssembledPrompt } from '../../../shared/messages/types.ts';
import { recordingContext, type RecordedEmit } from '../../unit/workers/recording-handler-context.ts';
import { promptRequest } from '../../unit/workers/message-fixtures.ts';

const redis = createRedisConnection({ url: serviceEndpoints().redisUrl });
const keys = new RedisKeyNamespace(uniqueName('kpo-test'));
const history = new RedisConversationHistoryStore(redis, keys);
const handler = new AssembleHandler({ history, options: parseAssembleOptions({ systemPrompt: 'SYS' }) });

after(async () => {
  const created = await redis.keys(`${keys.prefix}:*`);
  if (created.length > 0) await redis.del(...created);
  await redis.quit();
});

test('the assembled prompt carries the history stored in Redis, oldest first', async () => {
  const session = uniqueName('session');
  await history.appendExchange(session, 'r1', [
    { role: 'user', content: 'What is a partition?' },
    { role: 'assistant', content: 'An ordered log.' },
  ]);
  const emitted: RecordedEmit<AssembledPrompt>[] = [];
  const request = promptRequest({ sessionId: session, requestId: 'r2' });
  await handler.handle({ request, documents: [], retrievalMs: 0 }, recordingContext(emitted));
  assert.deepEqual(
    emitted[0]?.output.messages.map((m) => m.content),
    ['SYS', 'What is a partition?', 'An ordered log.', 'How do consumer groups rebalance?'],
  );
});

test('corrupt history JSON in Redis fails with KPO_HISTORY_CORRUPT and leaves other sessions working', async () => {
  const corrupt = uniqueName('session');
  await redis.rpush(keys.history(corrupt), '{"role":"user"', '{}');
  await assert.rejects(
    handler.handle(
      { request: promptRequest({ sessionId: corrupt }), documents: [], retrievalMs: 0 },
      recordingContext(),
    ),
    { code: 'KPO_HISTORY_CORRUPT', retryable: false },
  );
  const emitted: RecordedEmit<AssembledPrompt>[] = [];
  await handler.handle(
    { request: promptRequest({ sessionId: uniqueName('session') }), documents: [], retrievalMs: 0 },
    recordingContext(emitted),
  );
  assert.equal(emitted.length, 1);
});
