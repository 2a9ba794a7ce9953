/**
 * The kafkajs producer gives up on a topic it cannot write after bounded
 * retries (a clear, retryable KPO_KAFKA naming the topic) instead of retrying
 * forever, and goes on writing other topics with a fresh idempotent producer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { KafkajsClient } from '../../../shared/kafka/kafkajs/kafkajs-client.ts';
import { KafkajsProducer } from '../../../shared/kafka/kafkajs/kafkajs-producer.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { topic } from './port-test-kit.ts';
import { readTopic } from '../../helpers/read-topic.ts';

const rawCodec = {
  messageName: 'raw',
  encode: async (value: Buffer) => value,
  decode: async (bytes: Buffer) => bytes,
};

test(
  'a send to a topic that cannot be written fails after bounded retries; later sends to other topics land',
  { timeout: 60_000 },
  async (t) => {
    const brokers = [...serviceEndpoints().kafkaBrokers];
    const kafka = new kafkajs.Kafka({ clientId: 'kpo-test', brokers, logLevel: kafkajs.logLevel.NOTHING });
    const producer = new KafkajsProducer(kafka, 3);
    await producer.connect();
    t.after(() => producer.close());
    const missing = uniqueName('never-created');
    const failure = await producer.send([{ topic: missing, key: 'k', value: Buffer.from('lost') }]).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(failure instanceof KpoError, `a KpoError, got ${String(failure)}`);
    assert.equal(failure.code, 'KPO_KAFKA');
    assert.equal(failure.retryable, true);
    assert.equal(failure.context.topic, missing);
    assert.match(failure.message, new RegExp(`could not write to ${missing} \\(gave up after 3 retries\\)`));

    const client = new KafkajsClient({ brokers, logLevel: 'nothing' });
    const writable = await topic(t, client, 2);
    await producer.send([
      { topic: writable, key: 'a', value: Buffer.from('one') },
      { topic: writable, key: 'b', value: Buffer.from('two') },
    ]);
    await producer.send([{ topic: writable, key: 'a', value: Buffer.from('three') }]);
    const values = await readTopic(client, writable, rawCodec, { expected: 3, timeoutMs: 15_000 });
    assert.deepEqual(values.map((v) => v.toString()).sort(), ['one', 'three', 'two']);
  },
);
