import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssembleHandler } from '../../../../workers/assemble/handler.ts';
import { parseAssembleOptions } from '../../../../workers/assemble/options.ts';
import { InMemoryConversationHistoryStore } from '../../../helpers/in-memory-conversation-history-store.ts';
import type { ConversationHistoryStore } from '../../../../shared/redis/conversation-history-store.ts';
import type { AssembledPrompt } from '../../../../shared/messages/types.ts';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import { recordingContext, type RecordedEmit } from '../recording-handler-context.ts';
import { promptRequest } from '../message-fixtures.ts';

test('loads the session history and emits one assembled prompt with it', async () => {
  const history = new InMemoryConversationHistoryStore();
  await history.appendExchange('sess-1', 'r0', [
    { role: 'user', content: 'earlier question' },
    { role: 'assistant', content: 'earlier answer' },
  ]);
  const handler = new AssembleHandler({ history, options: parseAssembleOptions({}) });
  const emitted: RecordedEmit<AssembledPrompt>[] = [];
  const request = promptRequest();
  await handler.handle({ request, documents: [], retrievalMs: 1 }, recordingContext(emitted));
  assert.equal(emitted.length, 1);
  const prompt = emitted[0]?.output;
  assert.equal(prompt?.request, request);
  assert.deepEqual(
    prompt?.messages.map((m) => m.content.split(' ')[0]),
    [prompt?.messages[0]?.content.split(' ')[0], 'earlier', 'earlier', 'How'],
  );
  assert.ok((prompt?.prefixBlockHashes.length ?? 0) > 0);
  assert.equal(prompt?.blockSize, 16);
  assert.deepEqual(handler.identify({ request, documents: [], retrievalMs: 0 }), {
    requestId: 'req-1',
    sessionId: 'sess-1',
    replyTo: null,
    requestCreatedAtMs: request.createdAtMs,
  });
});

test('corrupt history fails the request with KPO_HISTORY_CORRUPT (not retryable), nothing emitted', async () => {
  const history = new InMemoryConversationHistoryStore();
  history.putRawEntries('sess-1', ['{"role":"user","content":"ok"}', 'garbage{']);
  const handler = new AssembleHandler({ history, options: parseAssembleOptions({}) });
  const emitted: RecordedEmit<AssembledPrompt>[] = [];
  await assert.rejects(
    handler.handle({ request: promptRequest(), documents: [], retrievalMs: 0 }, recordingContext(emitted)),
    (error: unknown) => {
      assert.ok(error instanceof KpoError);
      assert.equal(error.code, 'KPO_HISTORY_CORRUPT');
      assert.equal(error.retryable, false);
      assert.equal(error.context.stage, 'assemble');
      assert.equal(error.context.requestId, 'req-1');
      return true;
    },
  );
  assert.equal(emitted.length, 0);
});

test('a history store failure that is not a KpoError becomes a retryable KPO_REDIS', async () => {
  const broken: ConversationHistoryStore = {
    load: async () => {
      throw new Error('ECONNREFUSED');
    },
    appendExchange: async () => false,
    clear: async () => undefined,
  };
  const handler = new AssembleHandler({ history: broken, options: parseAssembleOptions({}) });
  await assert.rejects(
    handler.handle({ request: promptRequest(), documents: [], retrievalMs: 0 }, recordingContext()),
    (error: unknown) => error instanceof KpoError && error.code === 'KPO_REDIS' && error.retryable,
  );
});

test('options refuse a context template without {documents}', () => {
  assert.throws(() => parseAssembleOptions({ contextTemplate: 'no placeholder' }), {
    code: 'KPO_CONFIG_INVALID',
  });
  assert.equal(parseAssembleOptions(undefined).tokenBudget, 4096);
});
