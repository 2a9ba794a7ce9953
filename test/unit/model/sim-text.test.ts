import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  planContinuation,
  planOutput,
  splitContinuation,
  tokenizePrompt,
} from '../../../infra/model-sim/sim-text.ts';

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

  it('continues a partial answer exactly where an uninterrupted answer goes on', () => {
    const whole = planOutput('user: continue me\nassistant:', 40, 7);
    const partial = whole.tokens.slice(0, 9).join('');
    const rest = planContinuation('user: continue me\nassistant:', partial, 31, 7);
    assert.equal(partial + rest.tokens.join(''), whole.tokens.join(''));
    assert.equal(rest.finishReason, whole.finishReason);
    assert.equal(rest.tokens.length, whole.tokens.length - 9);
  });

  it('continues a partial answer it would not have given like any text, as an answer to prompt + partial', () => {
    const rest = planContinuation('a prompt', 'something else', 10, 1);
    assert.deepEqual(rest, planOutput('a promptsomething else', 10, 1));
  });

  it('finds the partial answer at the end of a raw prompt, and leaves an ordinary prompt whole', () => {
    const prompt = 'user: raw continuation\nassistant:';
    const partial = planOutput(prompt, 30, null).tokens.slice(0, 5).join('');
    assert.deepEqual(splitContinuation(prompt + partial, null), { prompt, continuation: partial });
    assert.deepEqual(splitContinuation(prompt, null), { prompt });
  });

  it('counts prompt tokens as words with their trailing space', () => {
    assert.deepEqual(tokenizePrompt('a bc  d'), ['a ', 'bc  ', 'd']);
  });
});
