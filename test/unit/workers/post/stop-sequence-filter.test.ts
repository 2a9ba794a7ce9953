import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  applyStopSequences,
  longestSuffixThatStartsAStop,
} from '../../../../workers/post/stop-sequence-filter.ts';
import { cutText } from './cut-text.ts';

function runChunks(chunks: readonly string[], stops: readonly string[]): { text: string; stopped: boolean } {
  let held = '';
  let text = '';
  for (const chunk of chunks) {
    const step = applyStopSequences(held, chunk, stops);
    text += step.emit;
    held = step.held;
    if (step.stopped) return { text, stopped: true };
  }
  return { text: text + held, stopped: false };
}

test('a stop sequence split over three chunks ends the output before it', () => {
  assert.deepEqual(runChunks(['Answer: 42', '\n#', '#', '# next'], ['###']), {
    text: 'Answer: 42\n',
    stopped: true,
  });
});

test('text that only looks like the start of a stop sequence is held, then released', () => {
  const first = applyStopSequences('', 'value <', ['</end>']);
  assert.deepEqual(first, { emit: 'value ', held: '<', stopped: false });
  const second = applyStopSequences(first.held, '/b> more', ['</end>']);
  assert.deepEqual(second, { emit: '</b> more', held: '', stopped: false });
});

test('the earliest of several stop sequences wins', () => {
  assert.deepEqual(runChunks(['a STOP b', ' END'], ['END', 'STOP']), { text: 'a ', stopped: true });
});

test('holds back the longest suffix that starts any stop sequence', () => {
  assert.equal(longestSuffixThatStartsAStop('abc\nUs', ['\nUser:', 'sx']), 3);
  assert.equal(longestSuffixThatStartsAStop('abc', ['xyz']), 0);
});

test('without stop sequences nothing is held', () => {
  assert.deepEqual(applyStopSequences('', 'abc', []), { emit: 'abc', held: '', stopped: false });
});

test('any split of a text into chunks gives the same output as the whole text', () => {
  const alphabet = fc.constantFrom('a', 'b', '#', '<', '/', 'e', ' ');
  fc.assert(
    fc.property(
      fc.array(alphabet, { maxLength: 60 }).map((cs) => cs.join('')),
      fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 8 }),
      fc.constantFrom(['##'], ['</e>'], ['ab#', 'b<'], ['#a', '#']),
      (text, cuts, stops) => {
        const chunks = cutText(text, cuts);
        assert.deepEqual(runChunks(chunks, stops), runChunks([text], stops));
      },
    ),
    { numRuns: 300 },
  );
});
