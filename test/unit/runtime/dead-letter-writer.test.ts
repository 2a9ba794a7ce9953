import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { ConsumedRecord } from '../../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../../shared/messages/header-names.ts';
import { BatchingProducer } from '../../../shared/runtime/batching-producer.ts';
import { DeadLetterWriter } from '../../../shared/runtime/dead-letter-writer.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { RecordingProducer } from './fake-ports.ts';

const LIMIT = 4_096;

function consumed(valueBytes: number): ConsumedRecord {
  return {
    topic: 'in',
    partition: 2,
    offset: '41',
    timestampMs: 1,
    key: Buffer.from('s1'),
    value: Buffer.alloc(valueBytes, 7),
    headers: { traceparent: Buffer.from('00-abc-def-01') },
  };
}

async function setup() {
  const codecs = await createMessageCodecs({ maxMessageBytes: LIMIT });
  const port = new RecordingProducer();
  const writer = new DeadLetterWriter('unit', 'in.dlq', codecs.deadLetter, new BatchingProducer(port, 10));
  return { codecs, port, writer };
}

const failure = new KpoError('KPO_HANDLER', 'handler gave up');

test('a dead letter keeps the original value whole when it fits', async () => {
  const { codecs, port, writer } = await setup();
  await writer.write({ raw: consumed(100), error: failure, attempts: 1 });
  const [record] = port.records;
  assert.ok(record?.value);
  const letter = await codecs.deadLetter.decode(record.value);
  assert.deepEqual(letter.originalValue, Buffer.alloc(100, 7));
  assert.equal(letter.reason, 'handler gave up');
  assert.equal(record.headers?.[HEADER.dlqReason], 'handler gave up');
});

test('a dead letter too large to encode drops the original value and says so', async () => {
  const { codecs, port, writer } = await setup();
  const raw = consumed(LIMIT - 10);
  await assert.rejects(
    codecs.deadLetter.encode({
      stage: 'unit',
      errorCode: 'KPO_HANDLER',
      reason: 'x',
      attempts: 1,
      sourceTopic: 'in',
      sourcePartition: 2,
      sourceOffset: 41,
      originalKey: raw.key,
      originalValue: raw.value,
      originalHeaders: raw.headers,
      failedAtMs: 1,
      requestId: null,
      sessionId: null,
    }),
    (error: unknown) => error instanceof KpoError && error.code === 'KPO_TOO_LARGE',
    'precondition: the whole dead letter is over the limit',
  );

  await writer.write({ raw, error: failure, attempts: 3, requestId: 'r1', sessionId: 's1' });

  const [record] = port.records;
  assert.ok(record?.value);
  const letter = await codecs.deadLetter.decode(record.value);
  assert.equal(letter.originalValue, null);
  assert.match(letter.reason, /^handler gave up \[original value \(4086 bytes\) dropped/);
  assert.deepEqual(letter.originalKey, Buffer.from('s1'));
  assert.equal(letter.originalHeaders.traceparent?.toString(), '00-abc-def-01');
  assert.equal(letter.errorCode, 'KPO_HANDLER');
  assert.equal(letter.attempts, 3);
  assert.equal(letter.requestId, 'r1');
  assert.equal(record.headers?.[HEADER.dlqReason], letter.reason);
  assert.equal(record.headers?.[HEADER.dlqErrorCode], 'KPO_HANDLER');
});

test('a dead-letter encode failure other than too-large is not hidden', async () => {
  const port = new RecordingProducer();
  const writer = new DeadLetterWriter(
    'unit',
    'in.dlq',
    {
      messageName: 'kpo.v1.DeadLetter',
      encode: () => Promise.reject(new KpoError('KPO_REGISTRY', 'registry down', { retryable: true })),
      decode: () => Promise.reject(new Error('not used')),
    },
    new BatchingProducer(port, 10),
  );
  await assert.rejects(
    writer.write({ raw: consumed(10), error: failure, attempts: 1 }),
    (error: unknown) => error instanceof KpoError && error.code === 'KPO_REGISTRY',
  );
  assert.equal(port.records.length, 0);
});
