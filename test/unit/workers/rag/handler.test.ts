import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RagHandler } from '../../../../workers/rag/handler.ts';
import { parseRagOptions } from '../../../../workers/rag/options.ts';
import type { Retriever } from '../../../../workers/rag/retriever.ts';
import type { RetrievalResult } from '../../../../shared/messages/types.ts';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import { recordingContext, type RecordedEmit } from '../recording-handler-context.ts';
import { promptRequest } from '../message-fixtures.ts';

function recordingRetriever(queries: string[]): Retriever {
  return {
    name: 'recording',
    retrieve: async (query, options) => {
      queries.push(query);
      return [{ id: 'd1', score: 1, text: `about ${query}`, source: 'x.md' }].slice(0, options.topK);
    },
  };
}

const hangingRetriever: Retriever = {
  name: 'hanging',
  retrieve: (_query, options) =>
    new Promise((_resolve, reject) => {
      options.signal.addEventListener('abort', () => reject(options.signal.reason as Error));
    }),
};

test('queries with the last user turn and emits the request with its documents', async () => {
  const queries: string[] = [];
  const handler = new RagHandler({ retriever: recordingRetriever(queries), options: parseRagOptions({}) });
  const request = promptRequest({
    messages: [
      { role: 'user', content: 'first question' },
      { role: 'assistant', content: 'an answer' },
      { role: 'user', content: 'the follow-up' },
    ],
  });
  const emitted: RecordedEmit<RetrievalResult>[] = [];
  await handler.handle(request, recordingContext(emitted));
  assert.deepEqual(queries, ['the follow-up']);
  assert.equal(emitted.length, 1);
  assert.equal(emitted[0]?.output.request, request);
  assert.deepEqual(
    emitted[0]?.output.documents.map((d) => d.id),
    ['d1'],
  );
  assert.ok((emitted[0]?.output.retrievalMs ?? -1) >= 0);
});

test('a request without a user turn passes on with no documents and no query', async () => {
  const queries: string[] = [];
  const handler = new RagHandler({ retriever: recordingRetriever(queries), options: parseRagOptions({}) });
  const emitted: RecordedEmit<RetrievalResult>[] = [];
  await handler.handle(promptRequest({ messages: [] }), recordingContext(emitted));
  assert.deepEqual(queries, []);
  assert.deepEqual(emitted[0]?.output.documents, []);
});

test('a retrieval past timeoutMs fails with a retryable KPO_TIMEOUT', async () => {
  const handler = new RagHandler({
    retriever: hangingRetriever,
    options: parseRagOptions({ timeoutMs: 20 }),
  });
  await assert.rejects(handler.handle(promptRequest(), recordingContext()), (error: unknown) => {
    assert.ok(error instanceof KpoError);
    assert.equal(error.code, 'KPO_TIMEOUT');
    assert.equal(error.retryable, true);
    assert.equal(error.context.requestId, 'req-1');
    return true;
  });
});

test('with onFailure "continue" a timed-out retrieval passes the request on without documents', async () => {
  const handler = new RagHandler({
    retriever: hangingRetriever,
    options: parseRagOptions({ timeoutMs: 20, onFailure: 'continue' }),
  });
  const emitted: RecordedEmit<RetrievalResult>[] = [];
  await handler.handle(promptRequest(), recordingContext(emitted));
  assert.deepEqual(emitted[0]?.output.documents, []);
});

test('options refuse unknown fields and bad values with KPO_CONFIG_INVALID', () => {
  assert.throws(() => parseRagOptions({ topK: 0 }), { code: 'KPO_CONFIG_INVALID' });
  assert.throws(() => parseRagOptions({ retriever: { kind: 'http-documents' } }), {
    code: 'KPO_CONFIG_INVALID',
  });
  assert.throws(() => parseRagOptions({ nope: 1 }), { code: 'KPO_CONFIG_INVALID' });
  const defaults = parseRagOptions(undefined);
  assert.equal(defaults.retriever.kind, 'corpus');
  assert.equal(defaults.topK, 3);
});
