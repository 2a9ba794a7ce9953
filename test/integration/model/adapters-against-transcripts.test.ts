/**
 * Adapters against recorded transcripts in the documented wire formats of
 * OpenAI, vLLM, TGI and llama.cpp, served over real HTTP in 1–7 byte pieces.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { LlamaCppClient } from '../../../shared/model/llamacpp-client.ts';
import type { ModelClient } from '../../../shared/model/model-client.ts';
import { collectGeneration } from '../../helpers/collect-generation.ts';
import { OpenAiCompatibleClient } from '../../../shared/model/openai-client.ts';
import { TgiClient } from '../../../shared/model/tgi-client.ts';
import type { GenerationEvent, GenerationRequest } from '../../../shared/model/types.ts';
import { startTranscriptServer, type TranscriptServer } from './transcript-server.ts';

const request: GenerationRequest = {
  requestId: 'req-1',
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  params: { maxTokens: 16 },
};

async function events(client: ModelClient): Promise<GenerationEvent[]> {
  const seen: GenerationEvent[] = [];
  for await (const event of client.generate(request)) seen.push(event);
  return seen;
}

async function streamError(client: ModelClient): Promise<{ error: KpoError; chunks: string[] }> {
  const chunks: string[] = [];
  try {
    for await (const event of client.generate(request)) if (event.type === 'chunk') chunks.push(event.text);
  } catch (error) {
    assert.ok(error instanceof KpoError, `expected a KpoError, got ${String(error)}`);
    return { error, chunks };
  }
  assert.fail('the stream ended without an error');
}

describe('model adapters against recorded SSE transcripts', () => {
  let server: TranscriptServer;
  let servers: TranscriptServer[] = [];
  before(async () => {
    server = await startTranscriptServer({
      '/chat/v1/chat/completions': { fixture: 'openai-chat-include-usage.sse' },
      '/chat-error/v1/chat/completions': { fixture: 'openai-chat-error-midstream.sse' },
      '/vllm/v1/completions': { fixture: 'vllm-completions-cached-tokens.sse' },
      '/vllm-error/v1/completions': { fixture: 'vllm-completions-error-midstream.sse' },
      '/tgi/generate_stream': { fixture: 'tgi-generate-stream.sse' },
      '/tgi-error/generate_stream': { fixture: 'tgi-error-midstream.sse' },
      '/llama/completion': { fixture: 'llamacpp-completion.sse' },
      '/limited/v1/chat/completions': {
        status: 429,
        headers: { 'retry-after': '2' },
        body: JSON.stringify({
          error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
        }),
      },
      '/overloaded/v1/chat/completions': {
        status: 503,
        headers: { 'retry-after': '1' },
        body: JSON.stringify({
          object: 'error',
          message: 'overloaded',
          type: 'ServiceUnavailable',
          code: 503,
        }),
      },
      '/bad/v1/chat/completions': {
        status: 400,
        body: JSON.stringify({
          error: { message: 'max_tokens is too large', type: 'invalid_request_error' },
        }),
      },
    });
    servers = [server];
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('OpenAI chat: joins deltas split mid-character, skips keep-alive comments, reads the usage-only last chunk', async () => {
    const client = new OpenAiCompatibleClient({ name: 'openai', baseUrl: `${server.url}/chat` });
    const seen = await events(client);
    const result = seen.at(-1);
    assert.equal(result?.type, 'done');
    assert.equal(result.text, 'Grüße, 東京は晴れ🙂!');
    assert.equal(result.finishReason, 'stop');
    assert.deepEqual(result.usage, { promptTokens: 19, completionTokens: 7, cachedTokens: 0 });
    assert.equal(seen.filter((e) => e.type === 'chunk').length, 7);
    assert.ok(
      server.writes.every((size) => size <= 7),
      'the transcript went out in small pieces',
    );
  });

  it('vLLM completions: reads choices[].text, finish_reason length and prompt_tokens_details.cached_tokens', async () => {
    const client = new OpenAiCompatibleClient({
      name: 'vllm',
      baseUrl: `${server.url}/vllm`,
      api: 'completions',
    });
    const result = await collectGeneration(client, request);
    assert.equal(result.text, ' Kafka keeps every partition ordered — naïve café ☕');
    assert.equal(result.finishReason, 'length');
    assert.deepEqual(result.usage, { promptTokens: 48, completionTokens: 8, cachedTokens: 32 });
  });

  it('OpenAI chat: an error event mid-stream ends the stream with a retryable KPO_MODEL_STREAM after the tokens so far', async () => {
    const client = new OpenAiCompatibleClient({ name: 'openai', baseUrl: `${server.url}/chat-error` });
    const { error, chunks } = await streamError(client);
    assert.equal(error.code, 'KPO_MODEL_STREAM');
    assert.equal(error.retryable, true);
    assert.match(error.message, /server had an error/);
    assert.deepEqual(chunks, ['Partial', ' answer']);
  });

  it('vLLM: an {"object":"error"} event mid-stream is reported as a stream error', async () => {
    const client = new OpenAiCompatibleClient({
      name: 'vllm',
      baseUrl: `${server.url}/vllm-error`,
      api: 'completions',
    });
    const { error, chunks } = await streamError(client);
    assert.equal(error.code, 'KPO_MODEL_STREAM');
    assert.match(error.message, /Engine loop has died/);
    assert.deepEqual(chunks, [' Hello']);
  });

  it('TGI: reads token.text, drops special tokens, takes finish reason and token count from details', async () => {
    const client = new TgiClient({ name: 'tgi', baseUrl: `${server.url}/tgi` });
    const seen = await events(client);
    const result = seen.at(-1);
    assert.equal(result?.type, 'done');
    assert.equal(result.text, 'Hello, wörld 日本!');
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.usage.completionTokens, 6);
    assert.ok(seen.every((e) => e.type === 'done' || !e.text.includes('</s>')));
  });

  it('TGI: an error event mid-stream is reported with its message', async () => {
    const client = new TgiClient({ name: 'tgi', baseUrl: `${server.url}/tgi-error` });
    const { error, chunks } = await streamError(client);
    assert.equal(error.code, 'KPO_MODEL_STREAM');
    assert.match(error.message, /CUDA out of memory/);
    assert.deepEqual(chunks, ['Hello']);
  });

  it('llama.cpp: reads content, stop_type limit, tokens_evaluated and cached tokens from timings.prompt_n', async () => {
    const client = new LlamaCppClient({ name: 'llama', baseUrl: `${server.url}/llama` });
    const result = await collectGeneration(client, request);
    assert.equal(result.text, 'Olá mundo, "quoted" 🚀');
    assert.equal(result.finishReason, 'length');
    assert.deepEqual(result.usage, { promptTokens: 40, completionTokens: 6, cachedTokens: 32 });
  });

  it('a 429 with Retry-After becomes a retryable KPO_MODEL_RATE_LIMITED carrying retryAfterMs', async () => {
    const client = new OpenAiCompatibleClient({ name: 'openai', baseUrl: `${server.url}/limited` });
    const { error } = await streamError(client);
    assert.equal(error.code, 'KPO_MODEL_RATE_LIMITED');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 2000);
    assert.match(error.message, /Rate limit reached/);
    assert.equal(error.context.endpoint, 'openai');
  });

  it('a 503 with Retry-After is retryable and keeps the delay; a 400 is not retryable', async () => {
    const overloaded = await streamError(
      new OpenAiCompatibleClient({ name: 'o', baseUrl: `${server.url}/overloaded` }),
    );
    assert.equal(overloaded.error.code, 'KPO_MODEL_HTTP');
    assert.equal(overloaded.error.retryable, true);
    assert.equal(overloaded.error.retryAfterMs, 1000);
    const bad = await streamError(new OpenAiCompatibleClient({ name: 'b', baseUrl: `${server.url}/bad` }));
    assert.equal(bad.error.code, 'KPO_MODEL_HTTP');
    assert.equal(bad.error.retryable, false);
    assert.match(bad.error.message, /max_tokens is too large/);
  });
});
