/**
 * The real local model (SmolLM2-135M on node-llama-cpp, infra/local-model) as
 * its own process, driven through the project's adapters and raw HTTP. Short
 * generations only (a few tokens each): a CPU model on a shared machine.
 * The replica runs 2 context sequences and lets 1 request wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LlamaCppClient } from '../../../shared/model/llamacpp-client.ts';
import { collectGeneration } from '../../helpers/collect-generation.ts';
import { OpenAiCompatibleClient } from '../../../shared/model/openai-client.ts';
import type { GenerationRequest } from '../../../shared/model/types.ts';
import { startLocalModelReplica, type LocalModelReplica } from '../../helpers/local-model-replica.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { simMetric as metric } from './sim-metrics-reader.ts';

const SYSTEM = 'You are a helpful assistant. Answer in one short sentence.';

function request(question: string, maxTokens: number): GenerationRequest {
  return {
    requestId: `local-${question.length}-${maxTokens}`,
    model: 'default',
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: question },
    ],
    params: { maxTokens },
  };
}

async function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal === undefined ? {} : { signal }),
  });
}

interface Slot {
  readonly id: number;
  readonly is_processing: boolean;
}

async function busySlots(url: string): Promise<number> {
  const slots = (await (await fetch(`${url}/slots`)).json()) as Slot[];
  return slots.filter((s) => s.is_processing).length;
}

/** A stream that runs until it is aborted (the model goes on counting); resolves once its first token arrived. */
async function longStream(url: string, controller: AbortController): Promise<void> {
  const response = await postJson(
    `${url}/completion`,
    { prompt: '1, 2, 3, 4, 5, 6, 7, 8,', n_predict: 1000, stream: true },
    controller.signal,
  );
  // Read without releasing the body: leaving a for-await loop would cancel the stream (and the generation).
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (/"content":"[^"]/.test(text)) return;
  }
  throw new Error('stream ended before a token');
}

describe('the local model server (real SmolLM2-135M)', () => {
  let replica: LocalModelReplica;
  let healthWhileLoading: number;

  before(async () => {
    replica = await startLocalModelReplica(['--sequences', '2', '--queue-depth', '1']);
    healthWhileLoading = (await fetch(`${replica.url}/health`)).status;
    await replica.ready;
  });
  after(async () => {
    await replica?.stop();
  });

  it('answers /health with 503 while the model loads, 200 once it serves, and lists the model', async () => {
    assert.equal(healthWhileLoading, 503);
    assert.equal((await fetch(`${replica.url}/health`)).status, 200);
    const models = (await (await fetch(`${replica.url}/v1/models`)).json()) as { data: { id: string }[] };
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['SmolLM2-135M-Instruct-Q4_1'],
    );
  });

  it('OpenAI SSE adapter: a real answer streams, and the repeated prompt reports its prefix as cached', async () => {
    const client = new OpenAiCompatibleClient({ name: 'local', baseUrl: replica.url });
    const first = await collectGeneration(client, request('What is the capital of France?', 8));
    const second = await collectGeneration(client, request('What is the capital of France?', 8));
    assert.match(first.text, /Paris/);
    assert.ok(first.usage.completionTokens > 0 && first.usage.completionTokens <= 8);
    assert.ok(first.usage.promptTokens > 10, `prompt tokens ${first.usage.promptTokens}`);
    // All but the last prompt token are already in a context sequence (it is always evaluated again).
    assert.equal(second.usage.cachedTokens, second.usage.promptTokens - 1);
    assert.ok(
      (await metric(replica.url, 'kpo_local_model_cached_tokens_total')) >= second.usage.cachedTokens,
    );
  });

  it('llama.cpp adapter: /completion serves the requested slot, and cache_prompt reuses its prompt', async () => {
    const client = new LlamaCppClient({ name: 'local', baseUrl: replica.url });
    const base = { ...request('Name a primary colour.', 6), hints: { idSlot: 1, cachePrompt: true } };
    const first = await collectGeneration(client, base);
    const second = await collectGeneration(client, base);
    assert.equal(first.slot, 1);
    assert.equal(second.slot, 1);
    assert.ok(first.text.trim().length > 0);
    assert.ok(
      second.usage.cachedTokens > first.usage.promptTokens / 2,
      `cached ${second.usage.cachedTokens}`,
    );
    const noCache = await collectGeneration(client, { ...base, hints: { idSlot: 1, cachePrompt: false } });
    assert.equal(noCache.usage.cachedTokens, 0);
  });

  it('POST /admin/cache/clear empties the idle sequences: the repeated prompt then finds nothing cached', async () => {
    const client = new LlamaCppClient({ name: 'local', baseUrl: replica.url });
    const ask = { ...request('Name a fruit.', 4), hints: { idSlot: 0, cachePrompt: true } };
    await collectGeneration(client, ask);
    const cleared = await postJson(`${replica.url}/admin/cache/clear`, {});
    assert.equal(cleared.status, 200);
    assert.deepEqual(await cleared.json(), { cleared_sequences: 2 });
    const again = await collectGeneration(client, ask);
    assert.equal(again.usage.cachedTokens, 0);
  });

  it('continues a partial answer given as the last assistant message (continue_final_message)', async () => {
    const messages = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'What is the capital of France?' },
    ];
    const fresh = (await (
      await postJson(`${replica.url}/v1/chat/completions`, { messages, max_tokens: 4 })
    ).json()) as { usage: { prompt_tokens: number } };
    const response = await postJson(`${replica.url}/v1/chat/completions`, {
      messages: [...messages, { role: 'assistant', content: 'The capital of France is' }],
      continue_final_message: true,
      add_generation_prompt: false,
      max_tokens: 4,
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      choices: { message: { content: string } }[];
      usage: { prompt_tokens: number };
    };
    const continuation = body.choices[0]!.message.content;
    // The answer goes on where it stopped: the next words, not a new answer.
    assert.match(continuation, /^ Paris/);
    // The prompt is the fresh one plus the partial answer's tokens, without a closed turn or a new header.
    assert.ok(body.usage.prompt_tokens > fresh.usage.prompt_tokens + 3);
    const bad = await postJson(`${replica.url}/v1/chat/completions`, {
      messages,
      continue_final_message: true,
      add_generation_prompt: false,
    });
    assert.equal(bad.status, 400);
    assert.match(
      ((await bad.json()) as { error: { message: string } }).error.message,
      /assistant message last/,
    );
  });

  it('a client that disconnects mid-stream stops the engine: the sequence is freed long before max_tokens', async () => {
    const before = await metric(replica.url, 'kpo_local_model_generated_tokens_total');
    const controller = new AbortController();
    await longStream(replica.url, controller);
    controller.abort();
    await waitFor(async () => (await busySlots(replica.url)) === 0, {
      timeoutMs: 30_000,
      what: 'the aborted generation to free its sequence',
    });
    await waitFor(
      async () =>
        (await metric(replica.url, 'kpo_local_model_requests_total', { outcome: 'cancelled' })) >= 1,
      { timeoutMs: 10_000, what: 'the cancelled request in /metrics' },
    );
    const generated = (await metric(replica.url, 'kpo_local_model_generated_tokens_total')) - before;
    assert.ok(generated < 1000, `cancelled stream counted ${generated} tokens`);
  });

  it('with every sequence busy and the queue full, a request is refused at once with 503 and Retry-After', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const waiting = new AbortController();
    try {
      await Promise.all(controllers.map((c) => longStream(replica.url, c)));
      const queued = postJson(
        `${replica.url}/v1/chat/completions`,
        { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 },
        waiting.signal,
      ).catch(() => undefined);
      await waitFor(async () => (await metric(replica.url, 'kpo_local_model_waiting_requests')) === 1, {
        timeoutMs: 10_000,
        what: 'one request waiting for a sequence',
      });
      const refused = await postJson(`${replica.url}/completion`, { prompt: 'Hello', n_predict: 2 });
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '1');
      const error = ((await refused.json()) as { error: { message: string } }).error.message;
      assert.match(error, /2 sequences busy and 1 requests waiting/);
      waiting.abort();
      await queued;
    } finally {
      for (const c of controllers) c.abort();
    }
    await waitFor(async () => (await busySlots(replica.url)) === 0, {
      timeoutMs: 30_000,
      what: 'both sequences to be freed',
    });
  });
});
