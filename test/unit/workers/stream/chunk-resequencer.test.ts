import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkResequencer } from '../../../../workers/stream/chunk-resequencer.ts';
import { tokenChunk } from '../message-fixtures.ts';

const chunk = (seq: number) => tokenChunk({ seq, text: `t${seq}` });

test('releases in-order chunks at once and holds chunks after a gap until it fills', () => {
  const reseq = new ChunkResequencer(0, 10);
  assert.deepEqual(reseq.accept(chunk(0)), { kind: 'released', chunks: [chunk(0)] });
  assert.deepEqual(reseq.accept(chunk(2)), { kind: 'waiting', pending: 1 });
  assert.deepEqual(reseq.accept(chunk(3)), { kind: 'waiting', pending: 2 });
  const filled = reseq.accept(chunk(1));
  assert.equal(filled.kind, 'released');
  assert.deepEqual(filled.kind === 'released' ? filled.chunks.map((c) => c.seq) : [], [1, 2, 3]);
  assert.equal(reseq.expectedSeq, 4);
});

test('a chunk already delivered or already waiting is a duplicate, whatever its attempt', () => {
  const reseq = new ChunkResequencer(0, 10);
  reseq.accept(chunk(0));
  reseq.accept(chunk(2));
  assert.deepEqual(reseq.accept({ ...chunk(0), attempt: 2 }), { kind: 'duplicate' });
  assert.deepEqual(reseq.accept(chunk(2)), { kind: 'duplicate' });
});

test('more waiting chunks than the bound is an overflow', () => {
  const reseq = new ChunkResequencer(0, 2);
  reseq.accept(chunk(5));
  reseq.accept(chunk(6));
  assert.deepEqual(reseq.accept(chunk(7)), { kind: 'overflow', pending: 2 });
});

test('any shuffle with repeats releases every seq exactly once, in order', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 30 })
        .chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray([...Array(n).keys(), ...Array(n).keys()], { minLength: 2 * n }),
          ),
        ),
      ([n, order]) => {
        const reseq = new ChunkResequencer(0, 100);
        const released: number[] = [];
        for (const seq of order) {
          const outcome = reseq.accept(chunk(seq));
          if (outcome.kind === 'released') released.push(...outcome.chunks.map((c) => c.seq));
        }
        assert.deepEqual(released, [...Array(n).keys()]);
      },
    ),
    { numRuns: 200 },
  );
});
