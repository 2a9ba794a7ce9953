import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chunk,
  completionBody,
  completionIdentity,
  finishReasonOf,
  usageChunk,
} from '../../../gateway/chat-completion-format.ts';
import type { ClientEvent, Usage } from '../../../shared/messages/types.ts';

const identity = completionIdentity('r-1', 'default', 1_700_000_000_500);
const usage = { promptTokens: 10, completionTokens: 4, cachedTokens: 6 };

test('chunks carry one id, the delta and usage: null only when usage was asked for', () => {
  const plain = JSON.parse(chunk(identity, { content: 'hi' }, null, false)) as Record<string, unknown>;
  assert.equal(plain.id, 'chatcmpl-r-1');
  assert.equal(plain.object, 'chat.completion.chunk');
  assert.equal(plain.created, 1_700_000_000);
  assert.deepEqual(plain.choices, [
    { index: 0, delta: { content: 'hi' }, logprobs: null, finish_reason: null },
  ]);
  assert.equal('usage' in plain, false);
  const withUsage = JSON.parse(chunk(identity, {}, 'stop', true)) as Record<string, unknown>;
  assert.equal(withUsage.usage, null);
});

test('the usage chunk has empty choices and cached prompt tokens', () => {
  const last = JSON.parse(usageChunk(identity, usage)) as Record<string, unknown>;
  assert.deepEqual(last.choices, []);
  assert.deepEqual(last.usage, {
    prompt_tokens: 10,
    completion_tokens: 4,
    total_tokens: 14,
    prompt_tokens_details: { cached_tokens: 6 },
  });
});

test('a one-body completion holds the whole text', () => {
  const body = completionBody(identity, 'hello', 'stop', usage);
  assert.equal(body.object, 'chat.completion');
  assert.deepEqual((body.choices as unknown[])[0], {
    index: 0,
    message: { role: 'assistant', content: 'hello', refusal: null },
    logprobs: null,
    finish_reason: 'stop',
  });
});

const done = (finishReason: string | null, eventUsage: Usage | null = usage): ClientEvent => ({
  requestId: 'r-1',
  sessionId: 's-1',
  type: 'done',
  seq: 3,
  text: '',
  usage: eventUsage,
  errorCode: null,
  errorMessage: null,
  timestampMs: 0,
  e2eMs: null,
  resumes: 0,
  finishReason,
});

test('finish_reason is the reason the done event carries, whatever the usage says', () => {
  assert.equal(finishReasonOf(done('length'), 5), 'length');
  assert.equal(finishReasonOf(done('stop'), 4), 'stop');
  assert.equal(finishReasonOf(done('content_filter'), 5), 'content_filter');
});

test('a reason OpenAI does not know becomes stop', () => {
  assert.equal(finishReasonOf(done('eos_token'), 5), 'stop');
});

test('a done event without a reason (written before the field existed) ended on length when it used its whole allowance', () => {
  assert.equal(finishReasonOf(done(null), 4), 'length');
  assert.equal(finishReasonOf(done(null), 5), 'stop');
  assert.equal(finishReasonOf(done(null, null), 5), 'stop');
});
