import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDocumentsRetriever, HttpEmbeddingsRetriever } from '../../../../workers/rag/http-retrievers.ts';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';

// A tiny in-process service: /v1/embeddings embeds by string length, /search returns documents, /slow never answers.
const embeddingCalls: string[][] = [];
const server = createServer((req, res) => {
  void readJson(req).then((body) => {
    const send = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    if (req.url === '/v1/embeddings') {
      const input = (body as { input: string[] }).input;
      embeddingCalls.push(input);
      send(200, { data: input.map((text, index) => ({ index, embedding: [text.length, 1] })) });
    } else if (req.url === '/search' || req.url === '/docs') {
      send(200, {
        documents: [
          { id: 'low', score: 0.1, text: 'low', source: 's' },
          { id: 7, score: 0.9, text: `for ${JSON.stringify(body)}`, source: 's' },
          { id: 'mid', score: 0.5, text: 'mid', source: 's' },
        ],
      });
    } else if (req.url === '/broken') {
      send(503, { error: 'overloaded' });
    } else if (req.url === '/bad-shape') {
      send(200, { results: [] });
    }
    // /slow: no answer
  });
});
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
after(() => {
  server.closeAllConnections();
  server.close();
});

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk: Buffer) => (data += chunk.toString()));
    req.on('end', () => resolve(data.length > 0 ? JSON.parse(data) : {}));
  });
}

const options = (signal = new AbortController().signal) => ({ topK: 2, minScore: 0.2, signal });

test('the embeddings retriever batches concurrent queries into one embeddings call', async () => {
  const retriever = new HttpEmbeddingsRetriever({
    embeddingsUrl: `${base}/v1/embeddings`,
    embeddingModel: 'embed',
    searchUrl: `${base}/search`,
    headers: {},
    maxBatchSize: 16,
    maxBatchWaitMs: 10,
    batchTimeoutMs: 1_000,
  });
  embeddingCalls.length = 0;
  const results = await Promise.all(['one', 'three', 'fives'].map((q) => retriever.retrieve(q, options())));
  assert.deepEqual(embeddingCalls, [['one', 'three', 'fives']]);
  for (const docs of results) {
    assert.deepEqual(
      docs.map((d) => d.id),
      ['7', 'mid'],
    );
  }
  assert.match(results[1]?.[0]?.text ?? '', /"vector":\[5,1\]/);
  await retriever.close();
});

test('the documents retriever sends the query and ranks, thresholds and cuts the answer', async () => {
  const retriever = new HttpDocumentsRetriever({ url: `${base}/docs`, headers: {} });
  const docs = await retriever.retrieve('kafka?', options());
  assert.deepEqual(
    docs.map((d) => [d.id, d.score]),
    [
      ['7', 0.9],
      ['mid', 0.5],
    ],
  );
  assert.match(docs[0]?.text ?? '', /"query":"kafka\?"/);
});

test('a 503 is a retryable KPO_RETRIEVAL, an unexpected shape a non-retryable one', async () => {
  await assert.rejects(
    new HttpDocumentsRetriever({ url: `${base}/broken`, headers: {} }).retrieve('q', options()),
    (error: unknown) => error instanceof KpoError && error.code === 'KPO_RETRIEVAL' && error.retryable,
  );
  await assert.rejects(
    new HttpDocumentsRetriever({ url: `${base}/bad-shape`, headers: {} }).retrieve('q', options()),
    (error: unknown) => error instanceof KpoError && error.code === 'KPO_RETRIEVAL' && !error.retryable,
  );
});

test('an aborted signal ends a hanging call with the abort reason', async () => {
  const controller = new AbortController();
  const pending = new HttpDocumentsRetriever({ url: `${base}/slow`, headers: {} }).retrieve(
    'q',
    options(controller.signal),
  );
  setTimeout(() => controller.abort(new KpoError('KPO_TIMEOUT', 'too slow', { retryable: true })), 20);
  await assert.rejects(pending, { code: 'KPO_TIMEOUT', message: 'too slow' });
});
