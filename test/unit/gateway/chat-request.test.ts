import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChatRequest } from '../../../gateway/chat-request.ts';

const user = [{ role: 'user', content: 'hi' }];

function refusal(body: unknown): { param: string | null; code: string | null; status: number } {
  const result = parseChatRequest(body);
  assert.equal(result.ok, false, 'refused');
  if (result.ok) throw new Error('unreachable');
  return { param: result.error.param, code: result.error.code, status: result.error.status };
}

test('the common fields become a chat request; developer is the system role, text parts join', () => {
  const result = parseChatRequest({
    model: 'm',
    messages: [
      {
        role: 'developer',
        content: [
          { type: 'text', text: 'be ' },
          { type: 'text', text: 'brief' },
        ],
      },
      { role: 'user', content: 'hi' },
    ],
    max_tokens: 9,
    max_completion_tokens: 5,
    temperature: 0,
    top_p: 0.5,
    seed: 3,
    stop: 'END',
    user: 'u',
    stream: true,
    stream_options: { include_usage: true },
    metadata: { team: 'x' },
  });
  assert.ok(result.ok);
  assert.deepEqual(result.request, {
    model: 'm',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi' },
    ],
    maxTokens: 5,
    temperature: 0,
    topP: 0.5,
    seed: 3,
    stop: ['END'],
    user: 'u',
    stream: true,
    includeUsage: true,
    metadata: { team: 'x' },
  });
});

test('defaults: no token limit named, temperature and top_p 1, no stop, not streamed', () => {
  const result = parseChatRequest({ model: 'm', messages: user });
  assert.ok(result.ok);
  assert.equal(result.request.maxTokens, null);
  assert.equal(result.request.temperature, 1);
  assert.equal(result.request.topP, 1);
  assert.deepEqual(result.request.stop, []);
  assert.equal(result.request.stream, false);
});

test('a missing field is named as missing', () => {
  assert.deepEqual(refusal({ model: 'm' }), {
    param: 'messages',
    code: 'missing_required_parameter',
    status: 400,
  });
  assert.deepEqual(refusal({ messages: user }), {
    param: 'model',
    code: 'missing_required_parameter',
    status: 400,
  });
  assert.equal(refusal({ model: 'm', messages: [{ role: 'user' }] }).param, 'messages[0].content');
});

test('a wrong type or value names its field', () => {
  assert.equal(refusal({ model: 'm', messages: user, temperature: 'hot' }).param, 'temperature');
  assert.equal(refusal({ model: 'm', messages: user, temperature: 3 }).param, 'temperature');
  assert.equal(refusal({ model: 'm', messages: user, max_tokens: 1.5 }).param, 'max_tokens');
  assert.equal(refusal({ model: 'm', messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }).param, 'stop');
  assert.equal(refusal({ model: 'm', messages: [{ role: 'x', content: 'a' }] }).param, 'messages[0].role');
  assert.equal(refusal({ model: 'm', messages: 'hi' }).code, 'invalid_value');
});

test('what the pipeline cannot honour is refused by name, never dropped', () => {
  assert.deepEqual(refusal({ model: 'm', messages: user, tools: [] }), {
    param: 'tools',
    code: 'unsupported_parameter',
    status: 400,
  });
  assert.equal(refusal({ model: 'm', messages: user, n: 2 }).param, 'n');
  assert.equal(refusal({ model: 'm', messages: user, logprobs: true }).param, 'logprobs');
  assert.equal(refusal({ model: 'm', messages: user, presence_penalty: 1 }).param, 'presence_penalty');
  assert.equal(
    refusal({ model: 'm', messages: user, response_format: { type: 'json_object' } }).param,
    'response_format.type',
  );
  assert.equal(
    refusal({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] })
      .param,
    'messages[0].content',
  );
  assert.equal(
    refusal({ model: 'm', messages: user, stream_options: { include_usage: true } }).param,
    'stream_options',
  );
  assert.deepEqual(refusal({ model: 'm', messages: user, frob: 1 }), {
    param: 'frob',
    code: 'unknown_parameter',
    status: 400,
  });
});

test('a body that is not a JSON object is refused', () => {
  assert.equal(refusal([]).status, 400);
  assert.equal(refusal('text').status, 400);
  assert.equal(refusal(null).status, 400);
});
