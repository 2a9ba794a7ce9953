import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCorpusPassages } from '../../../../workers/rag/corpus-loader.ts';
import { CorpusBm25Retriever } from '../../../../workers/rag/corpus-bm25-retriever.ts';

const passages = await loadCorpusPassages({
  path: 'corpus',
  extensions: ['.md', '.txt'],
  passageMaxChars: 800,
});
const retriever = new CorpusBm25Retriever(passages, { fuzzy: 0.2, prefix: true, titleBoost: 2 });
const options = (topK: number, minScore = 0) => ({ topK, minScore, signal: new AbortController().signal });

test('the sample corpus loads into passages', () => {
  assert.ok(passages.length >= 25, `${passages.length} passages`);
  assert.ok(passages.every((p) => p.text.length > 0 && p.source.length > 0));
});

test('ranks the passage about the query topic first', async () => {
  const docs = await retriever.retrieve('How does prefix caching reuse the KV cache?', options(3));
  assert.equal(docs[0]?.source, 'llm-serving/prefix-caching.md');
  const rebalance = await retriever.retrieve('what happens in a consumer group rebalance', options(3));
  assert.equal(rebalance[0]?.source, 'kafka/consumer-groups.md');
});

test('returns at most topK documents, best first', async () => {
  const docs = await retriever.retrieve('kafka partition offset consumer', options(2));
  assert.equal(docs.length, 2);
  assert.ok((docs[0]?.score ?? 0) >= (docs[1]?.score ?? 0));
});

test('drops documents under the score threshold', async () => {
  const all = await retriever.retrieve('kafka', options(100));
  const threshold = all[Math.floor(all.length / 2)]?.score ?? 0;
  const kept = await retriever.retrieve('kafka', options(100, threshold));
  assert.ok(kept.length < all.length);
  assert.ok(kept.every((d) => d.score >= threshold));
});

test('a query of only stop words finds nothing', async () => {
  assert.deepEqual(await retriever.retrieve('what is the', options(3)), []);
});

test('refuses to start when the signal is already aborted', async () => {
  const controller = new AbortController();
  controller.abort(new Error('gone'));
  await assert.rejects(
    retriever.retrieve('kafka', { topK: 1, minScore: 0, signal: controller.signal }),
    /gone/,
  );
});
