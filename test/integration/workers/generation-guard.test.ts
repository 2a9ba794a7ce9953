/**
 * The inference handler with its generation guard on a real Redis: the guard
 * fails closed, a lost lease stops the generation, a failed record is not
 * swallowed, the lease never leaks, and a generation interrupted before or
 * after its first chunk went out is resumed by the next owner — one answer,
 * never a second stream and never KPO_MODEL_STREAM when the model can continue.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { AssembledPrompt, TokenChunk } from '../../../shared/messages/types.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { RedisGenerationLeaseStore } from '../../../shared/redis/redis-generation-lease-store.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { CancelRegistry } from '../../../workers/inference/cancel-registry.ts';
import { GenerationGuard } from '../../../workers/inference/generation-guard.ts';
import { InferenceHandler, type GenerateStream } from '../../../workers/inference/handler.ts';
import { freePort } from '../../helpers/free-port.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { recordingContext, type RecordedEmit } from '../../unit/workers/recording-handler-context.ts';
import { promptRequest } from '../../unit/workers/message-fixtures.ts';
import { ANSWER_WORDS, wordsModel } from '../../unit/workers/inference/words-model.ts';

const redis = createRedisConnection({ url: serviceEndpoints().redisUrl });
const keys = new RedisKeyNamespace(uniqueName('kpo-guard'));
const store = new RedisGenerationLeaseStore(redis, keys);

after(async () => {
  const created = await redis.keys(`${keys.prefix}:*`);
  if (created.length > 0) await redis.del(...created);
  await redis.quit();
});

function assembled(): AssembledPrompt {
  const request = promptRequest({
    requestId: uniqueName('req'),
    sessionId: uniqueName('sess'),
    maxTokens: 32,
  });
  return {
    request,
    messages: request.messages,
    prompt: null,
    tokenCount: 5,
    prefixBlockHashes: [],
    blockSize: 16,
    droppedHistoryTurns: 0,
  };
}

function handlerWith(
  generate: GenerateStream,
  guard = new GenerationGuard({ store, leaseMs: 600, pollMs: 20 }),
) {
  return new InferenceHandler({
    generate,
    cancels: new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 }),
    flushTokens: 2,
    flushIntervalMs: 10_000,
    guard,
    terminalTopic: 'test.tokens.post',
    continues: () => true,
    resumeDelayMs: 1,
  });
}

/** A context whose emits fail from the n-th on (0-based), as after a partition was revoked. */
function failingFrom(n: number, emitted: RecordedEmit<TokenChunk>[]) {
  const context = recordingContext<TokenChunk>(emitted);
  let calls = 0;
  return {
    ...context,
    emit: async (chunk: TokenChunk, options?: Parameters<typeof context.emit>[1]) => {
      if (calls++ >= n) throw new KpoError('KPO_CANCELLED', 'source partition revoked', { retryable: true });
      await context.emit(chunk, options);
    },
  };
}

const text = (emitted: readonly RecordedEmit<TokenChunk>[]) => emitted.map((e) => e.output.text).join('');

describe('the generation guard on Redis', () => {
  it('fails closed: with the lease store unreachable nothing is generated and the attempt fails retryably', async () => {
    const dead = createRedisConnection({
      url: `redis://127.0.0.1:${await freePort()}`,
      connectTimeoutMs: 200,
    });
    dead.on('error', () => undefined);
    after(() => dead.disconnect());
    const model = wordsModel();
    const guard = new GenerationGuard({
      store: new RedisGenerationLeaseStore(dead, keys),
      pollMs: 50,
      unavailableMs: 400,
    });
    const emitted: RecordedEmit<TokenChunk>[] = [];
    await assert.rejects(
      handlerWith(model.generate, guard).handle(assembled(), recordingContext(emitted)),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_REDIS' && error.retryable,
    );
    assert.equal(model.requests.length, 0, 'the model was never called');
    assert.equal(emitted.length, 0);
  });

  it('stops generating when the lease is lost (another worker took it): nothing more goes out', async () => {
    const input = assembled();
    const { sessionId, requestId } = input.request;
    const model = wordsModel({}, 40);
    const emitted: RecordedEmit<TokenChunk>[] = [];
    const context = recordingContext<TokenChunk>(emitted);
    const emit = context.emit.bind(context);
    let taken = false;
    const handling = handlerWith(model.generate).handle(input, {
      ...context,
      emit: async (chunk, options) => {
        await emit(chunk, options);
        if (!taken) {
          taken = true;
          await redis.set(keys.generationLease(sessionId, requestId), 'another-worker', 'PX', 10_000);
        }
      },
    });
    await assert.rejects(handling, (error: unknown) => error instanceof KpoError && error.retryable);
    assert.ok(emitted.length < 3, `${emitted.length} chunks went out after the lease was lost`);
    assert.ok(
      emitted.every((e) => !e.output.final),
      'no final chunk',
    );
  });

  it('a chunk whose record fails is not sent (the failure is not swallowed)', async () => {
    const input = assembled();
    const { sessionId, requestId } = input.request;
    const model = wordsModel();
    const broken: GenerateStream = async function* (request, signal, prompt) {
      // Redis now refuses the request's record: its lease key holds another type.
      await redis.del(keys.generationLease(sessionId, requestId));
      await redis.hset(keys.generationLease(sessionId, requestId), 'x', '1');
      yield* await model.generate(request, signal, prompt);
    };
    const guard = new GenerationGuard({ store, leaseMs: 600, pollMs: 20, unavailableMs: 200 });
    const emitted: RecordedEmit<TokenChunk>[] = [];
    await assert.rejects(
      handlerWith(broken, guard).handle(input, recordingContext(emitted)),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_REDIS',
    );
    assert.equal(emitted.length, 0);
  });

  it('releases the lease when ending an interrupted request fails, so the next delivery is not blocked', async () => {
    const input = assembled();
    const { sessionId, requestId } = input.request;
    // An older worker marked the request started and died: its record cannot be read, so it cannot resume.
    await redis.set(keys.generationState(sessionId, requestId), 'started', 'EX', 60);
    const emitted: RecordedEmit<TokenChunk>[] = [];
    await assert.rejects(handlerWith(wordsModel().generate).handle(input, failingFrom(0, emitted)));
    const next = await store.acquire(sessionId, requestId, 'next-owner', 600);
    assert.equal(next.kind, 'acquired', 'the lease was released');
  });

  it('a generation whose first chunk never went out (partition revoked) is resumed by the next owner, not ended with KPO_MODEL_STREAM', async () => {
    const input = assembled();
    const lost: RecordedEmit<TokenChunk>[] = [];
    await assert.rejects(handlerWith(wordsModel().generate).handle(input, failingFrom(0, lost)));
    assert.equal(lost.length, 0);
    const emitted: RecordedEmit<TokenChunk>[] = [];
    await handlerWith(wordsModel().generate).handle(input, recordingContext(emitted));
    assert.equal(text(emitted), ANSWER_WORDS.join(''));
    const final = emitted.at(-1)!.output;
    assert.equal(final.finishReason, 'stop');
    assert.equal(final.error, null);
  });

  it('the next owner continues an answer interrupted mid-way after the last recorded seq, with the same generation', async () => {
    const input = assembled();
    const first: RecordedEmit<TokenChunk>[] = [];
    await assert.rejects(handlerWith(wordsModel().generate).handle(input, failingFrom(2, first)));
    const second: RecordedEmit<TokenChunk>[] = [];
    const model = wordsModel();
    await handlerWith(model.generate).handle(input, recordingContext(second));
    const bySeq = new Map([...first, ...second].map((e) => [e.output.seq, e.output]));
    const chunks = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    assert.equal(chunks.map((c) => c.text).join(''), ANSWER_WORDS.join(''));
    assert.deepEqual(
      chunks.map((c) => c.seq),
      chunks.map((_, i) => i),
    );
    assert.equal(new Set(chunks.map((c) => c.generationId)).size, 1, 'one generation identity');
    assert.equal(second[0]?.output.seq, 2, 'the last recorded chunk (never sent) is sent first');
    assert.equal(chunks.at(-1)?.resumes, 1);
    const recorded = chunks.filter((c) => c.seq <= 2);
    assert.equal(model.requests[0]?.continuation, recorded.map((c) => c.text).join(''));
    // A later delivery of the same prompt finds the request done.
    const third: RecordedEmit<TokenChunk>[] = [];
    await handlerWith(wordsModel().generate).handle(input, recordingContext(third));
    assert.equal(third.length, 0);
  });
});
