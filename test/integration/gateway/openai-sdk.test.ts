/**
 * The gateway with the official `openai` package as the client, against the
 * real pipeline (worker processes, Kafka, registry, Redis, model simulator):
 * non-streaming and streaming answers in OpenAI's shapes, sessions, an
 * aborted stream cancelled upstream, 200 concurrent streams over two replicas
 * without cross-talk, keys, per-tenant limits, and plain `curl -N`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import type { RunningGateway } from '../../../gateway/start-gateway.ts';
import { startGatewayPipeline, type GatewayPipeline } from '../../helpers/gateway-pipeline.ts';
import { readTopic } from '../../helpers/read-topic.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const KEY = 'sk-test-acme';
const OTHER_KEY = 'sk-test-beta';

function sdk(gateway: RunningGateway, apiKey = KEY): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${gateway.url}/v1`, maxRetries: 0, timeout: 60_000 });
}

function ask(question: string): OpenAI.ChatCompletionMessageParam[] {
  return [{ role: 'user', content: question }];
}

async function streamText(
  client: OpenAI,
  question: string,
  maxTokens = 12,
): Promise<{ ids: Set<string>; text: string }> {
  const stream = await client.chat.completions.create({
    model: 'default',
    messages: ask(question),
    max_tokens: maxTokens,
    stream: true,
  });
  const ids = new Set<string>();
  let text = '';
  for await (const chunk of stream) {
    ids.add(chunk.id);
    text += chunk.choices[0]?.delta.content ?? '';
  }
  return { ids, text };
}

async function simCancelledCalls(modelUrl: string): Promise<number> {
  const metrics = await (await fetch(`${modelUrl}/metrics`)).text();
  return [...metrics.matchAll(/^kpo_sim_requests_total\{[^}]*outcome="cancelled"[^}]*\} (\d+)/gm)].reduce(
    (sum, m) => sum + Number(m[1]),
    0,
  );
}

describe('the OpenAI-compatible gateway with the openai SDK', { concurrency: false }, () => {
  let stack: GatewayPipeline;
  let gateway: RunningGateway;
  let replica: RunningGateway;

  before(async () => {
    // 20 ms between tokens: a long answer streams for seconds, long enough to abort it mid-way.
    stack = await startGatewayPipeline(['--inter-token-ms', '20']);
    const keys = `acme=${KEY}, beta=${OTHER_KEY}`;
    gateway = await stack.gateway({ KPO_GATEWAY_KEYS: keys });
    replica = await stack.gateway({ KPO_GATEWAY_KEYS: keys });
  });
  after(() => stack.stop());

  test('a non-streaming completion has one answer and usage with cached prompt tokens', async () => {
    const completion = await sdk(gateway).chat.completions.create({
      model: 'default',
      messages: ask('How does Kafka keep order?'),
      max_tokens: 12,
      temperature: 0,
      seed: 7,
    });
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'default');
    assert.equal(completion.choices.length, 1);
    assert.equal(completion.choices[0]?.message.role, 'assistant');
    assert.ok((completion.choices[0]?.message.content ?? '').length > 0, 'some text');
    assert.ok(['stop', 'length'].includes(completion.choices[0]?.finish_reason ?? ''));
    const usage = completion.usage;
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0, 'token counts');
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
    assert.equal(typeof usage.prompt_tokens_details?.cached_tokens, 'number');
  });

  test('a stream has one id, a role delta, a finish reason, a usage chunk and the same text as one body', async () => {
    const client = sdk(gateway);
    const question = 'What is a consumer group?';
    const stream = await client.chat.completions.create({
      model: 'default',
      messages: ask(question),
      max_tokens: 12,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(new Set(chunks.map((c) => c.id)).size, 1, 'one id on every chunk');
    assert.equal(chunks[0]?.choices[0]?.delta.role, 'assistant');
    const finishes = chunks
      .flatMap((c) => c.choices.map((choice) => choice.finish_reason))
      .filter((f) => f !== null);
    assert.equal(finishes.length, 1, 'one finish_reason');
    const last = chunks.at(-1);
    assert.deepEqual(last?.choices, [], 'the usage chunk has no choices');
    assert.ok((last?.usage?.completion_tokens ?? 0) > 0, 'usage in the last chunk');
    assert.ok(
      chunks.slice(0, -1).every((c) => c.usage === null),
      'usage null before the last chunk',
    );
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    const body = await client.chat.completions.create({
      model: 'default',
      messages: ask(question),
      max_tokens: 12,
    });
    assert.equal(text, body.choices[0]?.message.content, 'streamed and one-body answers agree');
  });

  test('`user` keeps a conversation on one session; without it each request stands alone', async () => {
    const client = sdk(gateway);
    const user = uniqueName('user');
    const first = await client.chat.completions.create({
      model: 'default',
      messages: ask('Hello there'),
      max_tokens: 8,
      user,
    });
    const second = await client.chat.completions.create({
      model: 'default',
      messages: ask('Hello there'),
      max_tokens: 8,
      user,
    });
    assert.ok(
      (second.usage?.prompt_tokens ?? 0) > (first.usage?.prompt_tokens ?? 0),
      `the second turn's prompt holds the first exchange (${first.usage?.prompt_tokens} → ${second.usage?.prompt_tokens})`,
    );
    const alone = await client.chat.completions.create({
      model: 'default',
      messages: ask('Hello there'),
      max_tokens: 8,
    });
    assert.equal(alone.usage?.prompt_tokens, first.usage?.prompt_tokens, 'no history without a session');
  });

  test('aborting a stream mid-way sends a Cancel upstream and stops the model call', async () => {
    const before = await simCancelledCalls(stack.pipeline.modelUrls[0]!);
    // The simulator's answer length follows from the prompt and seed: find a seed whose answer is long.
    const client = sdk(gateway);
    const question = ask('Tell me a long story');
    let seed = 0;
    for (; seed < 20; seed++) {
      const probe = await client.chat.completions.create({
        model: 'default',
        messages: question,
        seed,
        max_tokens: 1000,
      });
      if ((probe.usage?.completion_tokens ?? 0) >= 150) break;
    }
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'default', messages: question, seed, max_tokens: 1000, stream: true },
      { signal: controller.signal },
    );
    let requestId = '';
    let received = 0;
    // The SDK ends the iteration quietly on abort.
    for await (const chunk of stream) {
      requestId = chunk.id.replace(/^chatcmpl-/, '');
      if (++received === 2) controller.abort();
    }
    assert.ok(received >= 2 && received < 100, `the stream ended at the abort (${received} chunks)`);
    const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
    const codecs = await createMessageCodecs({ schemaRegistryUrl });
    const kafka = createKafkaClient({ brokers: kafkaBrokers, clientId: 'gateway-cancel-reader' });
    const cancels = await readTopic(kafka, stack.pipeline.config.topics.cancel, codecs.cancel, {
      expected: 1,
      timeoutMs: 20_000,
    });
    assert.ok(
      cancels.some((c) => c.requestId === requestId),
      'a Cancel record for the aborted request',
    );
    await waitFor(async () => (await simCancelledCalls(stack.pipeline.modelUrls[0]!)) > before, {
      timeoutMs: 20_000,
      what: 'the model server to see its call aborted',
    });
  });

  test('200 concurrent streams over two replicas all complete, each with its own answer', async () => {
    const questions = Array.from(
      { length: 200 },
      (_, i) => `Question number ${i}: which partition holds session ${i}?`,
    );
    const clients = [sdk(gateway), sdk(replica, OTHER_KEY)];
    const streamed = await Promise.all(questions.map((q, i) => streamText(clients[i % 2]!, q)));
    // The same questions one at a time, as one-body answers: the simulator answers a prompt the same way every time.
    const expected: string[] = [];
    for (let i = 0; i < questions.length; i += 20) {
      const batch = await Promise.all(
        questions.slice(i, i + 20).map(async (q) => {
          const body = await clients[0]!.chat.completions.create({
            model: 'default',
            messages: ask(q),
            max_tokens: 12,
          });
          return body.choices[0]?.message.content ?? '';
        }),
      );
      expected.push(...batch);
    }
    streamed.forEach((result, i) => {
      assert.equal(result.ids.size, 1, `stream ${i}: one id`);
      assert.ok(result.text.length > 0, `stream ${i}: some text`);
      assert.equal(result.text, expected[i], `stream ${i}: its own answer, nobody else's tokens`);
    });
    assert.equal(new Set(streamed.flatMap((r) => [...r.ids])).size, questions.length, 'one id per request');
  });

  test('a missing or unknown key is a 401 in OpenAI shape', async () => {
    await assert.rejects(
      sdk(gateway, 'sk-not-a-key').chat.completions.create({ model: 'default', messages: ask('hi') }),
      (error: unknown) =>
        error instanceof OpenAI.AuthenticationError &&
        error.status === 401 &&
        error.code === 'invalid_api_key',
    );
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: ask('hi') }),
    });
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'missing_api_key');
  });

  test('over the per-tenant request limit is a 429 with Retry-After and x-ratelimit headers', async () => {
    const tenantKey = `sk-${uniqueName('limited')}`;
    const limited = await stack.gateway({
      KPO_GATEWAY_KEYS: `${uniqueName('tenant').replace(/[^a-z0-9-]/g, '')}=${tenantKey}`,
      KPO_GATEWAY_RPM: '2',
    });
    const client = sdk(limited, tenantKey);
    for (let i = 0; i < 2; i++) {
      const ok = await client.chat.completions
        .create({ model: 'default', messages: ask(`limit ${i}`), max_tokens: 4 })
        .withResponse();
      assert.equal(ok.response.headers.get('x-ratelimit-limit-requests'), '2');
      assert.equal(ok.response.headers.get('x-ratelimit-remaining-requests'), String(1 - i));
    }
    await assert.rejects(
      client.chat.completions.create({ model: 'default', messages: ask('one too many'), max_tokens: 4 }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.RateLimitError, String(error));
        assert.equal(error.status, 429);
        assert.ok(Number(error.headers?.get('retry-after')) >= 1, 'Retry-After in seconds');
        assert.equal(error.headers?.get('x-ratelimit-remaining-requests'), '0');
        assert.match(error.headers?.get('x-ratelimit-reset-requests') ?? '', /^\d+s$/);
        return true;
      },
    );
  });

  test('plain curl -N receives the SSE stream through [DONE]', async () => {
    const { stdout } = await promisify(execFile)(
      'curl',
      [
        '-sS',
        '-N',
        '--max-time',
        '30',
        `${gateway.url}/v1/chat/completions`,
        '-H',
        `Authorization: Bearer ${KEY}`,
        '-H',
        'Content-Type: application/json',
        '-d',
        JSON.stringify({ model: 'default', messages: ask('Say hi'), max_tokens: 6, stream: true }),
      ],
      { timeout: 40_000 },
    );
    const events = stdout.split('\n\n').filter((e) => e.length > 0);
    assert.ok(
      events.every((e) => e.startsWith('data: ')),
      'every event is a data: line',
    );
    assert.equal(events.at(-1), 'data: [DONE]');
    const first = JSON.parse(events[0]!.slice(6)) as { object: string };
    assert.equal(first.object, 'chat.completion.chunk');
  });

  describe('bad input gets an OpenAI-shaped error and affects nothing else', () => {
    async function post(
      body: string,
      headers: Record<string, string> = {},
    ): Promise<{
      status: number;
      error: { type: string; param: string | null; code: string | null; message: string };
    }> {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
        body,
      });
      const parsed = (await response.json()) as {
        error: { type: string; param: string | null; code: string | null; message: string };
      };
      return { status: response.status, error: parsed.error };
    }
    const valid = { model: 'default', messages: ask('hi'), max_tokens: 4 };
    const cases: [string, unknown, number, string | null][] = [
      ['missing messages', { model: 'default' }, 400, 'messages'],
      ['empty messages', { model: 'default', messages: [] }, 400, 'messages'],
      [
        'a message without content',
        { model: 'default', messages: [{ role: 'user' }] },
        400,
        'messages[0].content',
      ],
      [
        'an unknown role',
        { model: 'default', messages: [{ role: 'wizard', content: 'x' }] },
        400,
        'messages[0].role',
      ],
      ['temperature as a string', { ...valid, temperature: 'hot' }, 400, 'temperature'],
      ['max_tokens of zero', { ...valid, max_tokens: 0 }, 400, 'max_tokens'],
      ['n = 2', { ...valid, n: 2 }, 400, 'n'],
      ['tools', { ...valid, tools: [] }, 400, 'tools'],
      [
        'an image part',
        {
          model: 'default',
          messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }],
        },
        400,
        'messages[0].content',
      ],
      [
        'stream_options without stream',
        { ...valid, stream_options: { include_usage: true } },
        400,
        'stream_options',
      ],
      ['an unknown field', { ...valid, frobnicate: true }, 400, 'frobnicate'],
      ['an unknown model', { ...valid, model: 'no-such-model' }, 404, 'model'],
    ];
    for (const [what, body, status, param] of cases) {
      test(`${what} → ${status} naming ${param}`, async () => {
        const answer = await post(JSON.stringify(body));
        assert.equal(answer.status, status, answer.error.message);
        assert.equal(answer.error.param, param);
        assert.equal(typeof answer.error.message, 'string');
      });
    }

    test('malformed JSON → 400', async () => {
      const answer = await post('{"model": "default", "messages": [');
      assert.equal(answer.status, 400);
      assert.equal(answer.error.type, 'invalid_request_error');
    });

    test('a body over the size limit → 413', async () => {
      const huge = JSON.stringify({ model: 'default', messages: ask('x'.repeat(2 * 1024 * 1024)) });
      const answer = await post(huge);
      assert.equal(answer.status, 413);
      assert.equal(answer.error.code, 'request_too_large');
    });

    test('an unknown model through the SDK is a NotFoundError', async () => {
      await assert.rejects(
        sdk(gateway).chat.completions.create({ model: 'no-such-model', messages: ask('hi') }),
        (error: unknown) => error instanceof OpenAI.NotFoundError && error.param === 'model',
      );
    });

    test('after all of them, a good request is still answered', async () => {
      const completion = await sdk(gateway).chat.completions.create(
        valid as OpenAI.ChatCompletionCreateParamsNonStreaming,
      );
      assert.ok((completion.choices[0]?.message.content ?? '').length > 0);
    });
  });

  test('/v1/models, /healthz, /readyz and /metrics answer', async () => {
    const models = await sdk(gateway).models.list();
    assert.ok(
      models.data.some((m) => m.id === 'default'),
      'default is served',
    );
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    assert.match(
      metrics,
      /kpo_gateway_requests_total\{(?=[^}]*tenant="acme")(?=[^}]*status="200")(?=[^}]*stream="true")[^}]*\} [1-9]/,
    );
    assert.match(metrics, /kpo_gateway_time_to_first_token_seconds_count\{[^}]*tenant="acme"[^}]*\} [1-9]/);
    assert.match(metrics, /kpo_gateway_in_flight_requests\{[^}]*tenant="acme"[^}]*\} 0/);
    assert.match(metrics, /kpo_gateway_cancels_total\{[^}]*tenant="acme"[^}]*\} [1-9]/);
  });
});
