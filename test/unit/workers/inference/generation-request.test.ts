import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AssembledPrompt } from '../../../../shared/messages/types.ts';
import { generationRequestOf, userTurnOf } from '../../../../workers/inference/generation-request.ts';
import { assembledPrompt } from './assembled-prompt.ts';

const input = assembledPrompt({ tokenCount: 40, prefixBlockHashes: ['b0', 'b1'] });

test('the model call carries the session and prefix block hashes routing needs', () => {
  const request = generationRequestOf(input);
  assert.deepEqual(request.routing, { sessionId: 'sess-1', prefixBlockHashes: ['b0', 'b1'] });
  assert.equal(request.promptTokens, 40);
  assert.equal(request.requestId, 'req-1');
});

test('the user turn kept for history is the last user message as assembled, retrieved passages included', () => {
  const rendered = 'Context:\n[1] (kafka.md) Partitions keep order.\n\nQuestion: what is kafka?';
  const assembled: AssembledPrompt = {
    ...input,
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: rendered },
    ],
  };
  assert.equal(userTurnOf(assembled), rendered);
});
