import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostProcessor, type PostProcessorOptions } from '../../../../workers/post/post-processor.ts';
import { compileRules, redactStep } from '../../../../workers/post/streaming-redactor.ts';
import { BUILTIN_REDACTION_RULES } from '../../../../workers/post/redaction-rules.ts';
import type { Redactor } from '../../../../workers/post/redaction-pool.ts';
import type { TokenChunk } from '../../../../shared/messages/types.ts';
import { tokenChunk } from '../message-fixtures.ts';

const base: PostProcessorOptions = {
  stopSequences: [],
  limits: { maxChars: 0, maxTokens: 0 },
  maxRequests: 100,
  requestIdleTtlMs: 60_000,
};

/** Runs the redactor inline: the pool is tested separately, this tests the processor's use of it. */
const inlineRedactor: Redactor = {
  redact: async (held, text, final) =>
    redactStep(held, text, final, compileRules([BUILTIN_REDACTION_RULES.email]), 128),
  close: async () => undefined,
};

function chunks(texts: readonly string[], overrides: Partial<TokenChunk> = {}): TokenChunk[] {
  return texts.map((text, seq) =>
    tokenChunk({
      seq,
      text,
      final: seq === texts.length - 1,
      finishReason: seq === texts.length - 1 ? 'stop' : null,
      ...overrides,
    }),
  );
}

async function runAll(processor: PostProcessor, input: readonly TokenChunk[]): Promise<TokenChunk[]> {
  const out: TokenChunk[] = [];
  for (const chunk of input) await processor.process(chunk, async (output) => void out.push(output));
  return out;
}

/** The output of one chunk, or undefined when it was dropped. */
async function processOne(processor: PostProcessor, chunk: TokenChunk): Promise<TokenChunk | undefined> {
  return (await runAll(processor, [chunk]))[0];
}

test('a stop sequence across chunks ends the stream: final chunk with finishReason stop, the rest dropped', async () => {
  const processor = new PostProcessor({ ...base, stopSequences: ['\nUser:'] }, null);
  const out = await runAll(processor, chunks(['Hello', ' world\nUs', 'er: more', ' and more', '']));
  assert.equal(out.map((c) => c.text).join(''), 'Hello world');
  assert.deepEqual(
    out.map((c) => c.seq),
    [0, 1, 2],
  );
  assert.equal(out.at(-1)?.final, true);
  assert.equal(out.at(-1)?.finishReason, 'stop');
  assert.ok(out.slice(0, -1).every((c) => !c.final));
});

test('output seq equals input seq and stays contiguous while text is held back', async () => {
  const processor = new PostProcessor({ ...base, stopSequences: ['###'] }, null);
  const out = await runAll(processor, chunks(['a #', '#', ' b', '']));
  assert.deepEqual(
    out.map((c) => [c.seq, c.text]),
    [
      [0, 'a '],
      [1, ''],
      [2, '## b'],
      [3, ''],
    ],
  );
  assert.equal(out.at(-1)?.finishReason, 'stop');
});

test('the final chunk flushes held-back text', async () => {
  const processor = new PostProcessor({ ...base, stopSequences: ['<end>'] }, inlineRedactor);
  const out = await runAll(processor, chunks(['mail me at a@b', '.org <en']));
  assert.equal(out.map((c) => c.text).join(''), 'mail me at [REDACTED:email] <en');
  assert.equal(out.at(-1)?.final, true);
});

test('a character limit cuts the text and ends with finishReason length', async () => {
  const processor = new PostProcessor({ ...base, limits: { maxChars: 8, maxTokens: 0 } }, null);
  const out = await runAll(processor, chunks(['12345', '67890', 'abc', '']));
  assert.equal(out.map((c) => c.text).join(''), '12345678');
  assert.equal(out.at(-1)?.finishReason, 'length');
  assert.equal(out.at(-1)?.final, true);
  assert.equal(out.length, 2);
});

test('a token limit ends the stream with finishReason length once reached', async () => {
  const processor = new PostProcessor({ ...base, limits: { maxChars: 0, maxTokens: 3 } }, null);
  const input = chunks(['a ', 'b ', 'c ', 'd ', '']).map((c) => ({ ...c, tokenCount: 1 }));
  const out = await runAll(processor, input);
  assert.equal(out.map((c) => c.text).join(''), 'a b c ');
  assert.equal(out.at(-1)?.finishReason, 'length');
  assert.equal(
    out.reduce((sum, c) => sum + c.tokenCount, 0),
    3,
  );
});

test('a stream that ends on its own keeps the model finish reason', async () => {
  const processor = new PostProcessor({ ...base, limits: { maxChars: 100, maxTokens: 0 } }, null);
  const input = chunks(['done']).map((c) => ({ ...c, finishReason: 'length' }));
  assert.equal((await runAll(processor, input))[0]?.finishReason, 'length');
  const errored = await runAll(
    new PostProcessor(base, null),
    chunks(['x']).map((c) => ({
      ...c,
      requestId: 'r-err',
      finishReason: 'error',
      error: { code: 'KPO_MODEL_STREAM', message: 'broke' },
    })),
  );
  assert.equal(errored[0]?.finishReason, 'error');
  assert.equal(errored[0]?.error?.code, 'KPO_MODEL_STREAM');
});

test('a repeated chunk is dropped, and so is everything after the final chunk', async () => {
  const processor = new PostProcessor(base, null);
  const [c0, c1, c2] = chunks(['a', 'b', '']);
  assert.ok(c0 && c1 && c2);
  const out = await runAll(processor, [c0, c1, c1, c0, c2, c2, c1]);
  assert.deepEqual(
    out.map((c) => c.seq),
    [0, 1, 2],
  );
});

test('the user turn from any earlier chunk reaches the final chunk, also when post ends early', async () => {
  const processor = new PostProcessor({ ...base, stopSequences: ['STOP'] }, null);
  const input = chunks(['x', 'y STOP z', '']);
  input[0] = { ...input[0]!, userTurn: 'the question' };
  const out = await runAll(processor, input);
  assert.equal(out.at(-1)?.userTurn, 'the question');
  assert.equal(out.at(-1)?.final, true);
});

test('requests are independent and state stays bounded by maxRequests', async () => {
  const processor = new PostProcessor({ ...base, maxRequests: 10, stopSequences: ['##'] }, null);
  for (let i = 0; i < 50; i += 1)
    await processOne(processor, tokenChunk({ requestId: `r${i}`, text: 'a #' }));
  assert.equal(processor.trackedRequests, 10);
  const other = await processOne(
    processor,
    tokenChunk({ requestId: 'r49', seq: 1, text: ' b', final: true }),
  );
  assert.equal(other?.text, '# b');
});

test('a failed redaction leaves the state untouched so a retry gives the same output', async () => {
  let fail = true;
  const flaky: Redactor = {
    redact: async (held, text, final) => {
      if (fail) {
        fail = false;
        throw new Error('pool crashed');
      }
      return inlineRedactor.redact(held, text, final);
    },
    close: async () => undefined,
  };
  const processor = new PostProcessor(base, flaky);
  const chunk = tokenChunk({ text: 'to x@y.com ', seq: 0 });
  await assert.rejects(processOne(processor, chunk), /pool crashed/);
  assert.equal((await processOne(processor, chunk))?.text, 'to [REDACTED:email] ');
});

test('a chunk whose output could not be written is processed again when retried, not dropped as a repeat', async () => {
  const processor = new PostProcessor({ ...base, stopSequences: ['STOP'] }, inlineRedactor);
  const [first, second] = chunks(['mail a@b.co', 'm now'], { requestId: 'r-retry' });
  assert.equal((await processOne(processor, first!))?.text, 'mail ');
  const brokerDown = new Error('could not write to llm.tokens.post');
  await assert.rejects(
    processor.process(second!, () => Promise.reject(brokerDown)),
    (error) => error === brokerDown,
  );
  const retried = await processOne(processor, second!);
  assert.equal(retried?.seq, 1);
  assert.equal(retried?.text, '[REDACTED:email] now');
  assert.equal(retried?.final, true);
});
