import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkDocument } from '../../../../workers/rag/passage-chunker.ts';

test('splits a markdown document into sections with their titles', () => {
  const doc = '# Kafka\n\nIntro paragraph.\n\n## Offsets\n\nOffsets are positions.\n\nCommits store them.';
  const passages = chunkDocument('kafka.md', doc, 800);
  assert.deepEqual(
    passages.map((p) => [p.id, p.title, p.text]),
    [
      ['kafka.md#0', 'Kafka', 'Intro paragraph.'],
      ['kafka.md#1', 'Offsets', 'Offsets are positions.\n\nCommits store them.'],
    ],
  );
});

test('merges paragraphs up to maxChars and splits longer ones at sentences', () => {
  const sentence = 'This sentence is about thirty chars. ';
  const doc = `${sentence.repeat(10)}\n\nshort one`;
  const passages = chunkDocument('x.txt', doc, 120);
  assert.ok(passages.length >= 3);
  for (const passage of passages) assert.ok(passage.text.length <= 120, passage.text);
  assert.equal(
    passages
      .map((p) => p.text)
      .join(' ')
      .replace(/\s+/g, ' ')
      .includes('short one'),
    true,
  );
});

test('cuts a single sentence longer than maxChars hard', () => {
  const passages = chunkDocument('x.txt', 'a'.repeat(250), 100);
  assert.deepEqual(
    passages.map((p) => p.text.length),
    [100, 100, 50],
  );
});
