import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrefixCache, chainedBlockHashes } from '../../../infra/model-sim/prefix-cache.ts';

const tokens = (n: number, prefix = 't') => Array.from({ length: n }, (_, i) => `${prefix}${i} `);

describe('simulator prefix cache', () => {
  it('names a block by everything before it, so equal blocks after different prefixes differ', () => {
    const a = chainedBlockHashes([...tokens(4, 'x'), ...tokens(4)], 4);
    const b = chainedBlockHashes([...tokens(4, 'y'), ...tokens(4)], 4);
    assert.equal(a.length, 2);
    assert.notEqual(a[1], b[1]);
    assert.deepEqual(chainedBlockHashes(tokens(7), 4).length, 1, 'only full blocks are hashed');
  });

  it('hits only full blocks of the shared prefix, up to the first missing block', () => {
    const cache = new PrefixCache(4, 100);
    assert.equal(cache.lookupAndInsert(tokens(10)), 0);
    assert.equal(cache.lookupAndInsert([...tokens(9), 'other ']), 8);
    assert.equal(cache.lookupAndInsert([...tokens(4), 'changed ', ...tokens(10).slice(5)]), 4);
  });

  it('a fully cached prompt still computes its last token', () => {
    const cache = new PrefixCache(4, 100);
    cache.lookupAndInsert(tokens(8));
    assert.equal(cache.lookupAndInsert(tokens(8)), 7);
  });

  it('evicts the least recently used blocks at capacity', () => {
    const cache = new PrefixCache(4, 2);
    cache.lookupAndInsert(tokens(8, 'a'));
    cache.lookupAndInsert(tokens(8, 'b'));
    assert.equal(cache.size, 2);
    assert.equal(cache.lookupAndInsert([...tokens(8, 'a'), 'x ']), 0);
  });

  it('capacity 0 turns the cache off', () => {
    const cache = new PrefixCache(4, 0);
    cache.lookupAndInsert(tokens(8));
    assert.equal(cache.lookupAndInsert(tokens(8)), 0);
  });

  it('caches an inserted sequence (prompt + answer) so a prompt that repeats it hits', () => {
    const cache = new PrefixCache(4, 100);
    cache.insert(tokens(10));
    assert.equal(cache.lookupAndInsert([...tokens(10), 'next ']), 8);
  });
});
