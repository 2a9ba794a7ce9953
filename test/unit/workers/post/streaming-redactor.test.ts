import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRules, redactStep } from '../../../../workers/post/streaming-redactor.ts';
import { BUILTIN_REDACTION_RULES } from '../../../../workers/post/redaction-rules.ts';
import { cutText } from './cut-text.ts';

const rules = compileRules([BUILTIN_REDACTION_RULES.email, BUILTIN_REDACTION_RULES['api-key']]);

function runChunks(chunks: readonly string[], compiled = rules, maxHold = 128): string {
  let held = '';
  let out = '';
  chunks.forEach((chunk, i) => {
    const step = redactStep(held, chunk, i === chunks.length - 1, compiled, maxHold);
    out += step.output;
    held = step.held;
  });
  return out;
}

test('an email split over chunks is redacted whole', () => {
  assert.equal(
    runChunks(['write to john.d', 'oe@exa', 'mple.com today', '']),
    'write to [REDACTED:email] today',
  );
});

test('an API key split over chunks is redacted whole', () => {
  assert.equal(
    runChunks(['key: sk-proj-', 'abcdefghijkl', 'mnopqrstuv1234 ok', '']),
    'key: [REDACTED:api-key] ok',
  );
  assert.equal(runChunks(['AKIA', 'ABCDEFGHIJKLMNOP done', '']), '[REDACTED:api-key] done');
});

test('only the trailing word is held back when no rule crosses whitespace', () => {
  const step = redactStep('', 'hello there wor', false, rules, 128);
  assert.deepEqual(step, { output: 'hello there ', held: 'wor' });
});

test('a rule that crosses whitespace holds back maxHoldChars and still matches across chunks', () => {
  const phone = compileRules([
    {
      name: 'phone',
      pattern: String.raw`\d{3} \d{3} \d{4}`,
      flags: '',
      replacement: '[PHONE]',
      crossesWhitespace: true,
    },
  ]);
  const step = redactStep('', 'call 555 123', false, phone, 8);
  assert.equal(step.output, 'call');
  assert.equal(runChunks(['call 555 1', '23 4567 now', ''], phone, 8), 'call [PHONE] now');
});

test('the final step releases everything, redacted', () => {
  assert.deepEqual(redactStep('me@x.io', '', true, rules, 128), { output: '[REDACTED:email]', held: '' });
});

test('any split of a text gives the same redaction as the whole text', () => {
  const word = fc.constantFrom(
    'mail',
    'a.b@c.de',
    'x@y.org',
    'sk-abcdefghijklmnopqrst',
    'the',
    'key',
    'z@q',
    '.com',
  );
  const separator = fc.constantFrom(' ', '\n', ', ');
  fc.assert(
    fc.property(
      fc
        .array(fc.tuple(word, separator), { maxLength: 12 })
        .map((pairs) => pairs.map(([w, s]) => w + s).join('')),
      fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 10 }),
      (text, cuts) => {
        const chunks = cutText(text, cuts);
        assert.equal(runChunks(chunks), runChunks([text]));
      },
    ),
    { numRuns: 300 },
  );
});
