/** Every adapter over real HTTP against the simulated model server (in this process, on a free port). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileSimOptions } from '../../../infra/model-sim/sim-options.ts';
import { startSimServer, type RunningSim } from '../../../infra/model-sim/sim-server.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { LlamaCppClient } from '../../../shared/model/llamacpp-client.ts';
import { collectGeneration } from '../../helpers/collect-generation.ts';
import { OpenAiCompatibleClient } from '../../../shared/model/openai-client.ts';
import type { GenerationRequest } from '../../../shared/model/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { simMetric } from './sim-metrics-reader.ts';

function request(content: string, maxTokens = 12): GenerationRequest {
  return {
    requestId: `req-${content.length}`,
    model: 'sim-8b',
    messages: [{ role: 'user', content }],
    params: { maxTokens },
  };
}

const LONG_PROMPT =
  'Explain how Kafka partitions keep a session in order across the pipeline stages. '.repeat(8);

describe('model adapters against the simulator', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startSimServer(compileSimOptions({ port: 0, interTokenMs: 2, ttftBaseMs: 2 }, {}));
  });
  after(async () => {
    await sim.close();
  });

  it('OpenAI chat: the same prompt gives the same text, and the repeat is served from the prefix cache', async () => {
    const client = new OpenAiCompatibleClient({ name: 'sim', baseUrl: sim.url });
    const first = await collectGeneration(client, request(LONG_PROMPT));
    const second = await collectGeneration(client, request(LONG_PROMPT));
    assert.equal(second.text, first.text);
    assert.equal(first.usage.completionTokens, 12);
    assert.equal(first.finishReason, 'length');
    assert.equal(first.usage.cachedTokens, 0);
    assert.ok(second.usage.cachedTokens >= 16, `cached ${second.usage.cachedTokens}`);
    assert.equal(second.usage.promptTokens, first.usage.promptTokens);
  });

  it('OpenAI chat: a follow-up that repeats the previous prompt and answer is cached up to the answer’s last block', async () => {
    const client = new OpenAiCompatibleClient({ name: 'sim', baseUrl: sim.url });
    const opening = { ...request(`${LONG_PROMPT} (follow-up test)`, 40), requestId: 'turn-0' };
    const first = await collectGeneration(client, opening);
    const followUp: GenerationRequest = {
      ...opening,
      requestId: 'turn-1',
      messages: [
        ...opening.messages,
        { role: 'assistant', content: first.text },
        { role: 'user', content: 'And then?' },
      ],
    };
    const second = await collectGeneration(client, followUp);
    const previous = first.usage.promptTokens + first.usage.completionTokens;
    // Everything but the block holding the answer's last token (it renders as "word\n" the second time).
    assert.ok(second.usage.cachedTokens > first.usage.promptTokens, `cached ${second.usage.cachedTokens}`);
    assert.ok(
      second.usage.cachedTokens >= previous - 16,
      `cached ${second.usage.cachedTokens} of ${previous}`,
    );
  });

  it('OpenAI completions batch: one call with three prompts returns each prompt’s own completion by index', async () => {
    const client = new OpenAiCompatibleClient({
      name: 'sim',
      baseUrl: sim.url,
      api: 'completions',
      batching: true,
    });
    const prompts = ['alpha prompt', 'beta prompt with more words', 'gamma'];
    const requests = prompts.map((prompt, i) => ({ ...request(prompt, 8), requestId: `b${i}`, prompt }));
    const batch = await client.generateBatch(requests);
    const single = await Promise.all(requests.map((r) => collectGeneration(client, r)));
    assert.deepEqual(
      batch.map((r) => r.text),
      single.map((r) => r.text),
    );
    assert.ok(batch.every((r) => r.usage.completionTokens === 8));
  });

  it('llama.cpp /completion: streams content and reports cached prompt tokens on a repeat', async () => {
    const client = new LlamaCppClient({ name: 'sim-llama', baseUrl: sim.url });
    const prompt = `${LONG_PROMPT} (llama)`;
    const req = { ...request(prompt, 6), prompt, hints: { idSlot: 0, cachePrompt: true } };
    const first = await collectGeneration(client, req);
    const second = await collectGeneration(client, req);
    assert.equal(first.usage.completionTokens, 6);
    assert.equal(second.text, first.text);
    assert.ok(second.usage.cachedTokens > first.usage.cachedTokens);
  });

  it('llama.cpp /completion: the result carries the slot the server used, the requested one when pinned', async () => {
    const client = new LlamaCppClient({ name: 'sim-llama', baseUrl: sim.url });
    const prompt = `${LONG_PROMPT} (slots)`;
    const pinned = await collectGeneration(client, {
      ...request(prompt, 2),
      prompt,
      hints: { idSlot: 5, cachePrompt: true },
    });
    assert.equal(pinned.slot, 5);
    const any = await collectGeneration(client, { ...request('another prompt', 2), hints: { idSlot: -1 } });
    assert.equal(typeof any.slot, 'number');
    await assert.rejects(
      collectGeneration(client, { ...request('x', 2), hints: { idSlot: 10_000 } }),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_MODEL_HTTP' && !error.retryable,
    );
  });

  it('aborting a stream closes the upstream connection and the simulator stops generating', async () => {
    const client = new OpenAiCompatibleClient({ name: 'sim', baseUrl: sim.url });
    const controller = new AbortController();
    const cancelledBefore = await simMetric(sim.url, 'kpo_sim_requests_total', { outcome: 'cancelled' });
    let chunks = 0;
    await assert.rejects(
      (async () => {
        for await (const event of client.generate(request('a long answer please', 100_000), {
          signal: controller.signal,
        })) {
          if (event.type === 'chunk' && ++chunks === 3) controller.abort();
        }
      })(),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_CANCELLED',
    );
    await waitFor(
      async () =>
        (await simMetric(sim.url, 'kpo_sim_requests_total', { outcome: 'cancelled' })) ===
        cancelledBefore + 1,
      { timeoutMs: 5000, what: 'the simulator to see the cancelled request' },
    );
    assert.equal(await simMetric(sim.url, 'kpo_sim_active_sequences'), 0);
  });

  it('a continued partial answer reads like the uninterrupted one: chat, completions and llama.cpp', async () => {
    const clients = [
      new OpenAiCompatibleClient({ name: 'chat', baseUrl: sim.url, continuation: true }),
      new OpenAiCompatibleClient({
        name: 'completions',
        baseUrl: sim.url,
        api: 'completions',
        continuation: true,
      }),
      new LlamaCppClient({ name: 'llamacpp', baseUrl: sim.url }),
    ];
    for (const client of clients) {
      assert.equal(client.capabilities.continuation, true, client.name);
      const ask = request(`continue this answer (${client.name})`, 20);
      const whole = await collectGeneration(client, ask);
      const partial = await collectGeneration(client, { ...ask, params: { maxTokens: 6 } });
      const rest = await collectGeneration(client, {
        ...ask,
        params: { maxTokens: 14 },
        continuation: partial.text,
      });
      assert.equal(partial.text + rest.text, whole.text, client.name);
      assert.equal(rest.usage.completionTokens, 14, client.name);
      assert.equal(rest.finishReason, whole.finishReason, client.name);
    }
  });

  it('multi-byte words from the simulator arrive intact', async () => {
    const client = new OpenAiCompatibleClient({ name: 'sim', baseUrl: sim.url });
    const texts = await Promise.all(
      Array.from({ length: 6 }, (_, i) => collectGeneration(client, request(`unicode check ${i}`, 40))),
    );
    const all = texts.map((t) => t.text).join(' ');
    assert.ok(!all.includes('\uFFFD'), 'no replacement characters');
    assert.match(all, /[^\x00-\x7F]/, 'the outputs contain non-ASCII words');
  });
});
