import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import type { TokenChunk } from '../../../../shared/messages/types.ts';
import type { GenerationEvent, GenerationResult } from '../../../../shared/model/types.ts';
import type { EmitOptions, HandlerContext } from '../../../../shared/runtime/stage-handler.ts';
import { CancelRegistry } from '../../../../workers/inference/cancel-registry.ts';
import { InferenceHandler, type GenerateStream } from '../../../../workers/inference/handler.ts';
import { assembledPrompt } from './assembled-prompt.ts';
import { ANSWER_WORDS, wordsModel } from './words-model.ts';

const input = assembledPrompt({
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'what is kafka?' },
  ],
  tokenCount: 12,
});

const result: GenerationResult = {
  type: 'done',
  text: 'a b c d e',
  finishReason: 'stop',
  usage: { promptTokens: 12, completionTokens: 5, cachedTokens: 4 },
  timings: { ttftMs: 20, perTokenMs: 5 },
  endpoint: 'sim',
};

function context(signal = new AbortController().signal) {
  const emitted: { chunk: TokenChunk; options: EmitOptions | undefined }[] = [];
  const ctx: HandlerContext<TokenChunk> = {
    source: { topic: 'llm.assembled', partition: 0, offset: '0', timestampMs: 0, key: 'sess-1', headers: {} },
    attempt: 1,
    signal,
    emit: async (chunk, options) => {
      emitted.push({ chunk, options });
    },
  };
  return { ctx, emitted };
}

function handlerWith(
  generate: GenerateStream,
  flushTokens = 2,
  cancels = new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 }),
) {
  return {
    handler: new InferenceHandler({ generate, cancels, flushTokens, flushIntervalMs: 10_000 }),
    cancels,
  };
}

async function* tokens(
  words: readonly string[],
  end: GenerationEvent | Error = result,
): AsyncGenerator<GenerationEvent> {
  for (const word of words) yield { type: 'chunk', text: word, tokenCount: 1 };
  if (end instanceof Error) throw end;
  yield end;
}

describe('InferenceHandler', () => {
  it('writes coalesced chunks with seq from 0, then a final chunk with finish reason, usage, timings and the user turn (also on the first chunk)', async () => {
    const { handler } = handlerWith(() => tokens(['a', ' b', ' c', ' d', ' e']));
    const { ctx, emitted } = context();
    await handler.handle(input, ctx);
    assert.deepEqual(
      emitted.map((e) => [e.chunk.seq, e.chunk.text, e.chunk.tokenCount, e.chunk.final]),
      [
        [0, 'a', 1, false],
        [1, ' b c', 2, false],
        [2, ' d e', 2, false],
        [3, '', 0, true],
      ],
    );
    assert.ok(emitted.every((e) => e.options?.seq === e.chunk.seq));
    const final = emitted.at(-1)!.chunk;
    assert.equal(final.finishReason, 'stop');
    assert.deepEqual(final.usage, { promptTokens: 12, completionTokens: 5, cachedTokens: 4 });
    assert.deepEqual(final.timings, { ttftMs: 20, perTokenMs: 5 });
    assert.equal(final.userTurn, 'what is kafka?');
    assert.equal(final.requestCreatedAtMs, input.request.createdAtMs);
    // The first chunk carries it too (post may end the stream before the final chunk); the middle ones do not.
    assert.equal(emitted[0]!.chunk.userTurn, 'what is kafka?');
    assert.ok(emitted.slice(1, -1).every((e) => e.chunk.userTurn === null));
  });

  it('passes the assembled prompt to the model as messages, token count, params and stop sequences', async () => {
    let seen: Parameters<GenerateStream>[0] | undefined;
    const { handler } = handlerWith((request) => {
      seen = request;
      return tokens([]);
    });
    await handler.handle(input, context().ctx);
    assert.equal(seen?.requestId, 'req-1');
    assert.equal(seen?.messages.length, 2);
    assert.equal(seen?.promptTokens, 12);
    assert.deepEqual(seen?.params, { maxTokens: 32, temperature: 0, topP: 1, seed: null, stop: [] });
  });

  it('a cancel that arrived before the prompt ends it with one cancelled final chunk and no model call', async () => {
    let called = false;
    const { handler, cancels } = handlerWith(() => {
      called = true;
      return tokens(['x']);
    });
    cancels.cancel('req-1', 'user pressed stop');
    const { ctx, emitted } = context();
    await handler.handle(input, ctx);
    assert.equal(called, false);
    assert.equal(emitted.length, 1);
    assert.equal(emitted[0]!.chunk.finishReason, 'cancelled');
    assert.equal(emitted[0]!.chunk.error?.code, 'KPO_CANCELLED');
    assert.match(emitted[0]!.chunk.error?.message ?? '', /user pressed stop/);
  });

  it('a cancel mid-stream aborts the model call and ends with a cancelled final chunk after the text so far', async () => {
    let modelSignal: AbortSignal | undefined;
    const cancels = new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 });
    const { handler } = handlerWith(
      async function* (_request, signal) {
        modelSignal = signal;
        yield { type: 'chunk', text: 'one', tokenCount: 1 };
        yield { type: 'chunk', text: ' two', tokenCount: 1 };
        cancels.cancel('req-1', '');
        yield { type: 'chunk', text: ' three', tokenCount: 1 };
        throw signal.reason as Error;
      },
      2,
      cancels,
    );
    const { ctx, emitted } = context();
    await handler.handle(input, ctx);
    assert.equal(modelSignal?.aborted, true);
    const final = emitted.at(-1)!.chunk;
    assert.equal(final.finishReason, 'cancelled');
    assert.equal(emitted.map((e) => e.chunk.text).join(''), 'one two three');
    assert.equal(cancels.size, 0, 'the request is no longer tracked');
  });

  it('a failure before any chunk went out is thrown, so the runtime may retry it', async () => {
    const failure = new KpoError('KPO_MODEL_HTTP', 'boom', { retryable: true });
    const { handler } = handlerWith(() => tokens([], failure), 8);
    const { ctx, emitted } = context();
    await assert.rejects(
      handler.handle(input, ctx),
      (error: unknown) => error instanceof KpoError && error.retryable,
    );
    assert.equal(emitted.length, 0);
  });

  it('a failure after chunks went out is not replayed: it ends the stream with an error final chunk', async () => {
    const failure = new KpoError('KPO_MODEL_STREAM', 'cut', { retryable: true });
    const { handler } = handlerWith(() => tokens(['a', ' b', ' c'], failure), 2);
    const { ctx, emitted } = context();
    await handler.handle(input, ctx);
    const final = emitted.at(-1)!.chunk;
    assert.equal(final.finishReason, 'error');
    assert.deepEqual(final.error, { code: 'KPO_MODEL_STREAM', message: 'cut' });
    assert.equal(emitted.map((e) => e.chunk.text).join(''), 'a b c');
  });
});

describe('InferenceHandler resumption', () => {
  it('a broken model stream is continued from the text sent so far: one answer, seqs going on, one generation', async () => {
    const model = wordsModel({ 0: 5 });
    const handler = new InferenceHandler({
      generate: model.generate,
      cancels: new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 }),
      flushTokens: 2,
      flushIntervalMs: 10_000,
      continues: () => true,
      resumeDelayMs: 1,
    });
    const { ctx, emitted } = context();
    await handler.handle(input, ctx);
    const chunks = emitted.map((e) => e.chunk);
    assert.equal(chunks.map((c) => c.text).join(''), ANSWER_WORDS.join(''));
    assert.deepEqual(
      chunks.map((c) => c.seq),
      chunks.map((_, i) => i),
    );
    assert.equal(new Set(chunks.map((c) => c.generationId)).size, 1);
    const final = chunks.at(-1)!;
    assert.equal(final.finishReason, 'stop');
    assert.equal(final.resumes, 1);
    assert.equal(final.usage?.completionTokens, ANSWER_WORDS.length);
    const [, continued] = model.requests;
    const sent = chunks.filter((c) => c.resumes === 0);
    assert.equal(continued?.continuation, sent.map((c) => c.text).join(''), 'the text of the chunks sent');
    assert.equal(
      continued?.params.maxTokens,
      input.request.maxTokens - sent.reduce((sum, c) => sum + c.tokenCount, 0),
    );
  });

  it('resumes at most maxResumes times, then ends with an error final chunk', async () => {
    const model = wordsModel({ 0: 2, 1: 2, 2: 2 });
    const handler = new InferenceHandler({
      generate: model.generate,
      cancels: new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 }),
      flushTokens: 1,
      flushIntervalMs: 10_000,
      continues: () => true,
      maxResumes: 2,
      resumeDelayMs: 1,
    });
    const { ctx, emitted } = context();
    await handler.handle(input, ctx);
    const final = emitted.at(-1)!.chunk;
    assert.equal(final.finishReason, 'error');
    assert.equal(final.error?.code, 'KPO_MODEL_STREAM');
    assert.equal(model.requests.length, 3);
    assert.equal(emitted.map((e) => e.chunk.text).join(''), ANSWER_WORDS.slice(0, 6).join(''));
  });
});
