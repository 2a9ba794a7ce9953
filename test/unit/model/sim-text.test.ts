import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planOutput, tokenizePrompt } from '../../../infra/model-sim/sim-text.ts';

describe('simulator text', () => {
  it('gives the same output for the same prompt and seed, and another for another seed', () => {
    const a = planOutput('tell me a story', 50, 1);
    assert.deepEqual(planOutput('tell me a story', 50, 1), a);
    assert.notDeepEqual(planOutput('tell me a story', 50, 2).tokens, a.tokens);
  });

  it('stops at max tokens with finish reason length', () => {
    const out = planOutput('any prompt', 5, null);
    assert.equal(out.tokens.length, 5);
    assert.equal(out.finishReason, 'length');
  });

  it('ends before a stop sequence with finish reason stop', () => {
    const full = planOutput('stop test', 200, null).tokens.join('');
    const word = full.split(' ')[3]!;
    const out = planOutput('stop test', 200, null, [` ${word}`]);
    assert.equal(out.finishReason, 'stop');
    assert.ok(!out.tokens.join('').includes(` ${word}`));
    assert.ok(full.startsWith(out.tokens.join('')));
  });

  it('counts prompt tokens as words with their trailing space', () => {
    assert.deepEqual(tokenizePrompt('a bc  d'), ['a ', 'bc  ', 'd']);
  });
});
