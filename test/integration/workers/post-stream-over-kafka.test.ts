/**
 * The post and stream handlers inside real StageWorkers on real Kafka, the
 * registry and Redis: raw chunks (with replayed duplicates) in, client events
 * out. Proves what the unit tests cannot: seqs and terminals survive the
 * runtime's emit path, coalescing timers write after their handler returned,
 * and history lands in Redis.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import type { ConsumedRecord } from '../../../shared/kafka/kafka-port.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import { createRedisConnection } from '../../../shared/redis/redis-connection.ts';
import { createRedisStores } from '../../helpers/redis-stores.ts';
import { PostHandler } from '../../../workers/post/handler.ts';
import { parsePostOptions } from '../../../workers/post/options.ts';
import { StreamHandler } from '../../../workers/stream/handler.ts';
import { parseStreamOptions } from '../../../workers/stream/options.ts';
import { KafkaSentEventsLookup } from '../../../workers/stream/kafka-sent-events-lookup.ts';
import { defaultWorkerLogger } from '../../../shared/runtime/worker-logger.ts';
import type { ClientEvent, TokenChunk } from '../../../shared/messages/types.ts';
import { tokenChunk } from '../../unit/workers/message-fixtures.ts';

const REQUESTS = 12;
const CHUNKS = 25;

/** Chunk n of request r: plain words, an email split over chunks 3–4, and a stop sequence split over 20–21. */
function chunkText(n: number): string {
  if (n === 3) return 'write to ops@exa';
  if (n === 4) return 'mple.com now ';
  if (n === 20) return 'end#';
  if (n === 21) return '## ignored';
  return `w${n} `;
}

function expectedText(): string {
  let text = '';
  for (let n = 0; n < 20; n += 1)
    text += n === 3 ? 'write to ' : n === 4 ? '[REDACTED:email] now ' : chunkText(n);
  return `${text}end`;
}

test('post and stream workers turn raw chunks with repeats into clean client streams', async (t) => {
  const { kafkaBrokers, schemaRegistryUrl, redisUrl } = serviceEndpoints();
  const kafka = createKafkaClient({ brokers: [...kafkaBrokers], logLevel: 'nothing' });
  const codecs = await createMessageCodecs({ schemaRegistryUrl });
  const redis = createRedisConnection({ url: redisUrl });
  const keyPrefix = uniqueName('kpo-test');
  const base = uniqueName('ps');
  const topics = { raw: `${base}.raw`, post: `${base}.post`, out: `${base}.out` };
  const admin = kafka.createAdmin();
  await admin.connect();
  const all = [topics.raw, topics.post, topics.out, `${topics.raw}.dlq`, `${topics.post}.dlq`];
  await admin.createTopics(all.map((topic) => ({ topic, partitions: 3 })));

  const postHandler = new PostHandler(
    parsePostOptions({ stopSequences: ['###'], redaction: { builtins: ['email'], threads: 1 } }),
  );
  const sent = new KafkaSentEventsLookup(kafka, defaultWorkerLogger('stream'));
  const streamHandler = new StreamHandler({
    options: parseStreamOptions({ flushIntervalMs: 15, flushChars: 40 }),
    ...createRedisStores(redis, { keyPrefix }),
    sent,
    outputTopic: topics.out,
  });
  const settings = { concurrency: 8, httpPort: 0 };
  const postWorker = new StageWorker({
    stage: 'post',
    groupId: `${base}-post`,
    inputTopic: topics.raw,
    outputTopic: topics.post,
    handler: postHandler,
    inputCodec: codecs.tokenChunk,
    outputCodec: codecs.tokenChunk,
    deadLetterCodec: codecs.deadLetter,
    kafka,
    settings,
  });
  const streamWorker = new StageWorker({
    stage: 'stream',
    groupId: `${base}-stream`,
    inputTopic: topics.post,
    outputTopic: topics.out,
    handler: streamHandler,
    inputCodec: codecs.tokenChunk,
    outputCodec: codecs.clientEvent,
    deadLetterCodec: codecs.deadLetter,
    kafka,
    settings,
  });

  const received: ConsumedRecord[] = [];
  const collector = kafka.createConsumer({ groupId: `${base}-collector`, maxWaitTimeMs: 100 });
  t.after(async () => {
    await Promise.allSettled([postWorker.stop(), streamWorker.stop(), collector.close()]);
    streamHandler.close();
    await sent.close();
    await postHandler.close();
    await admin.deleteTopics(all).catch(() => undefined);
    await admin.deleteGroups([`${base}-post`, `${base}-stream`, `${base}-collector`]).catch(() => undefined);
    await admin.close();
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  await postWorker.start();
  await streamWorker.start();
  await collector.subscribe([topics.out], { fromBeginning: true });
  await collector.run({
    onBatch: (batch) => {
      received.push(...batch.records);
      return batch.records.length;
    },
  });

  const producer = kafka.createProducer();
  await producer.connect();
  const raw: TokenChunk[] = [];
  for (let r = 0; r < REQUESTS; r += 1) {
    for (let n = 0; n < CHUNKS; n += 1) {
      const final = n === CHUNKS - 1;
      raw.push(
        tokenChunk({
          requestId: `${base}-r${r}`,
          sessionId: `${base}-s${r}`,
          seq: n,
          text: chunkText(n),
          final,
          finishReason: final ? 'stop' : null,
          // the user turn rides on the first chunk too, so it survives post ending the stream early
          userTurn: final || n === 0 ? `question ${r}` : null,
          requestCreatedAtMs: Date.now(),
        }),
      );
    }
  }
  // every fifth chunk is delivered twice, as after an upstream retry
  const withRepeats = raw.flatMap((chunk) => (chunk.seq % 5 === 2 ? [chunk, chunk] : [chunk]));
  const records = await Promise.all(
    withRepeats.map(async (chunk) => ({
      topic: topics.raw,
      key: chunk.sessionId,
      value: await codecs.tokenChunk.encode(chunk),
    })),
  );
  await producer.send(records);
  await producer.close();

  const events = new Map<string, ClientEvent[]>();
  await waitFor(
    async () => {
      while (received.length > 0) {
        const record = received.shift()!;
        const event = await codecs.clientEvent.decode(record.value!);
        assert.equal(record.key?.toString(), event.sessionId, 'keyed by session');
        events.set(event.requestId, [...(events.get(event.requestId) ?? []), event]);
      }
      return [...events.values()].filter((list) => list.some((e) => e.type !== 'token')).length === REQUESTS;
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `terminal events of ${REQUESTS} requests` },
  );

  let tokenEvents = 0;
  for (let r = 0; r < REQUESTS; r += 1) {
    const list = events.get(`${base}-r${r}`) ?? [];
    assert.deepEqual(
      list.map((e) => e.seq),
      list.map((_, i) => i),
      `request ${r}: contiguous seqs, no repeats`,
    );
    assert.equal(list.filter((e) => e.type !== 'token').length, 1, `request ${r}: one terminal`);
    assert.equal(list.at(-1)?.type, 'done');
    assert.equal(
      list.map((e) => e.text).join(''),
      expectedText(),
      `request ${r}: redacted, cut at the stop sequence`,
    );
    assert.ok((list.at(-1)?.e2eMs ?? -1) >= 0);
    tokenEvents += list.length - 1;
    const history = await createRedisStores(redis, { keyPrefix }).history.load(`${base}-s${r}`);
    assert.deepEqual(
      history.map((turn) => turn.content),
      [`question ${r}`, expectedText()],
    );
  }
  console.log(
    `post→stream over Kafka: ${REQUESTS * CHUNKS} raw chunks (+ repeats) → ${tokenEvents} token events`,
  );
});
