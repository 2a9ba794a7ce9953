import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PostHandler } from '../../../../workers/post/handler.ts';
import { parsePostOptions } from '../../../../workers/post/options.ts';
import { RedactionPool } from '../../../../workers/post/redaction-pool.ts';
import { BUILTIN_REDACTION_RULES } from '../../../../workers/post/redaction-rules.ts';
import type { TokenChunk } from '../../../../shared/messages/types.ts';
import { recordingContext, type RecordedEmit } from '../recording-handler-context.ts';
import { tokenChunk } from '../message-fixtures.ts';

test('redaction runs in the worker-thread pool and the handler emits with the input seq', async () => {
  const handler = new PostHandler(
    parsePostOptions({
      redaction: { builtins: ['email', 'api-key'], threads: 1 },
      stopSequences: ['<|end|>'],
    }),
  );
  try {
    const emitted: RecordedEmit<TokenChunk>[] = [];
    const texts = [
      'Contact ops@exam',
      'ple.com with key sk-',
      'abcdefghijklmnopqrstuvwx',
      ' now<|en',
      'd|> ignored',
    ];
    for (const [seq, text] of texts.entries()) {
      await handler.handle(tokenChunk({ seq, text }), recordingContext(emitted));
    }
    await handler.handle(
      tokenChunk({ seq: 5, text: '', final: true, finishReason: 'stop' }),
      recordingContext(emitted),
    );
    assert.equal(
      emitted.map((e) => e.output.text).join(''),
      'Contact [REDACTED:email] with key [REDACTED:api-key] now',
    );
    assert.deepEqual(
      emitted.map((e) => e.options?.seq),
      [0, 1, 2, 3, 4],
    );
    assert.equal(emitted.at(-1)?.output.final, true);
    assert.equal(emitted.at(-1)?.output.finishReason, 'stop');
  } finally {
    await handler.close();
  }
});

test('the pool keeps the event loop free while a slow regex runs', async () => {
  const pool = new RedactionPool({
    rules: [{ name: 'slow', pattern: '(a+)+$', flags: '', replacement: '', crossesWhitespace: false }],
    maxHoldChars: 128,
    threads: 1,
    taskTimeoutMs: 1_500,
  });
  try {
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 5);
    // catastrophic backtracking: ~seconds of CPU in the thread, the timeout kills it
    await assert.rejects(pool.redact('', `${'a'.repeat(40)}b`, true), {
      code: 'KPO_HANDLER',
      retryable: true,
    });
    clearInterval(ticker);
    assert.ok(ticks > 10, `event loop ticked ${ticks} times`);
  } finally {
    await pool.close();
  }
  assert.equal(BUILTIN_REDACTION_RULES.email.name, 'email');
});

test('options refuse an invalid custom regex and default to no redaction', () => {
  assert.throws(() => parsePostOptions({ redaction: { rules: [{ name: 'bad', pattern: '(' }] } }), {
    code: 'KPO_CONFIG_INVALID',
  });
  const defaults = parsePostOptions(undefined);
  assert.deepEqual(defaults.redaction.builtins, []);
  assert.equal(defaults.maxRequests, 10_000);
});
