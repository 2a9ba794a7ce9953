import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  computePrefixBlockHashes,
  PREFIX_HASH_HEX_LENGTH,
} from '../../../../shared/prefix/prefix-block-hashes.ts';
import { sharedPrefixBlocks } from '../../../helpers/shared-prefix-blocks.ts';

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);

test('hashes only full blocks, 16 hex characters each', () => {
  const hashes = computePrefixBlockHashes(range(40), { blockSize: 16 });
  assert.equal(hashes.length, 2);
  for (const hash of hashes) assert.match(hash, new RegExp(`^[0-9a-f]{${PREFIX_HASH_HEX_LENGTH}}$`));
  assert.deepEqual(computePrefixBlockHashes(range(15), { blockSize: 16 }), []);
});

test('prompts sharing a prefix share exactly the hashes of their common full blocks', () => {
  const a = [...range(32), ...range(16, 1000)];
  const b = [...range(32), ...range(16, 2000)];
  const ha = computePrefixBlockHashes(a);
  const hb = computePrefixBlockHashes(b);
  assert.equal(sharedPrefixBlocks(ha, hb), 2);
  assert.notEqual(ha[2], hb[2]);
});

test('a change in an early block changes every later hash (the chain)', () => {
  const a = range(48);
  const b = [...a];
  b[3] = 99_999;
  const ha = computePrefixBlockHashes(a);
  const hb = computePrefixBlockHashes(b);
  assert.equal(sharedPrefixBlocks(ha, hb), 0);
  assert.ok(ha.every((hash, i) => hash !== hb[i]));
});

test('is deterministic and separated by salt', () => {
  assert.deepEqual(computePrefixBlockHashes(range(64)), computePrefixBlockHashes(range(64)));
  const plain = computePrefixBlockHashes(range(32));
  const salted = computePrefixBlockHashes(range(32), { salt: 'model-a' });
  assert.equal(sharedPrefixBlocks(plain, salted), 0);
});

test('refuses a block size that is not a positive integer', () => {
  assert.throws(() => computePrefixBlockHashes(range(4), { blockSize: 0 }), RangeError);
});
