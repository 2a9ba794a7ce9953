import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenCoalescer, type CoalescedText } from '../../../../workers/inference/token-coalescer.ts';

describe('TokenCoalescer', () => {
  it('writes the first token at once, later ones once flushTokens are waiting, and hands the rest to drain()', async () => {
    const written: CoalescedText[] = [];
    const coalescer = new TokenCoalescer(
      { flushTokens: 3, flushIntervalMs: 10_000 },
      async (c) => void written.push(c),
    );
    for (const word of ['a', 'b', 'c', 'd', 'e']) coalescer.add(word, 1);
    const rest = await coalescer.drain();
    assert.deepEqual(written, [
      { text: 'a', tokenCount: 1 },
      { text: 'bcd', tokenCount: 3 },
    ]);
    assert.deepEqual(rest, { text: 'e', tokenCount: 1 });
  });

  it('writes what is waiting when the flush interval passes', async () => {
    const written: CoalescedText[] = [];
    const coalescer = new TokenCoalescer(
      { flushTokens: 100, flushIntervalMs: 5 },
      async (c) => void written.push(c),
    );
    coalescer.add('first', 1);
    coalescer.add('slow', 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(written, [
      { text: 'first', tokenCount: 1 },
      { text: 'slow', tokenCount: 1 },
    ]);
    assert.deepEqual(await coalescer.drain(), { text: '', tokenCount: 0 });
  });

  it('keeps writes in order even when an earlier write is slower', async () => {
    const written: string[] = [];
    let first = true;
    const coalescer = new TokenCoalescer({ flushTokens: 1, flushIntervalMs: 10_000 }, async (c) => {
      if (first) {
        first = false;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      written.push(c.text);
    });
    coalescer.add('1', 1);
    coalescer.add('2', 1);
    coalescer.add('3', 1);
    await coalescer.drain();
    assert.deepEqual(written, ['1', '2', '3']);
  });

  it('a failed write fails the next add and drain', async () => {
    const coalescer = new TokenCoalescer({ flushTokens: 1, flushIntervalMs: 10_000 }, async () => {
      throw new Error('broker down');
    });
    coalescer.add('x', 1);
    await assert.rejects(coalescer.drain(), /broker down/);
    assert.throws(() => coalescer.add('y', 1), /broker down/);
  });
});
