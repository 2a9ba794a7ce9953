import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pipelineConfigSchema } from '../../../../shared/config/pipeline-config-schema.ts';
import type { GenerationRequest } from '../../../../shared/model/types.ts';
import { createInferenceStage } from '../../../../workers/inference/create-inference-handler.ts';
import { parseInferenceOptions } from '../../../../workers/inference/options.ts';

const config = pipelineConfigSchema.parse({
  models: ['a', 'b', 'c', 'd'].map((name) => ({ name, url: `http://127.0.0.1:9/${name}` })),
});

const requestOf = (sessionId: string, n: number): GenerationRequest => ({
  requestId: `${sessionId}-${n}`,
  model: 'default',
  messages: [{ role: 'user', content: 'hi' }],
  params: { maxTokens: 4 },
  routing: { sessionId, prefixBlockHashes: [] },
});

test('selector session-hash: every turn of a session goes to one endpoint, sessions spread over all', () => {
  const { pool } = createInferenceStage(config, parseInferenceOptions({ selector: 'session-hash' }));
  const chosen = new Map<string, string>();
  for (let session = 0; session < 40; session += 1) {
    const picks = [0, 1, 2].map((n) => pool.pick(requestOf(`s-${session}`, n)).endpoint.name);
    assert.equal(new Set(picks).size, 1, `session s-${session} went to ${picks.join(', ')}`);
    chosen.set(`s-${session}`, picks[0]!);
  }
  assert.equal(new Set(chosen.values()).size, 4);
});

test('an unknown selector is refused with the field named', () => {
  assert.throws(() => parseInferenceOptions({ selector: 'sticky' }), /selector/);
});
