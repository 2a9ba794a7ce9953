/**
 * PromptClient failure paths on the real broker and registry: a failed start
 * is retried by the next call, and a prompt that cannot be sent leaves nothing
 * followed; a partition no request maps to any more is read for
 * partitionLingerMs, then not at all; close() ends even when a disconnect hangs.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { testAdmin } from '../../helpers/test-admin.ts';
import { ensureTopics } from '../../../shared/pipeline/ensure-topics.ts';
import { pipelineTopicSpecs } from '../../../shared/pipeline/pipeline-topics.ts';
import { pipelineClient } from '../../helpers/pipeline-client.ts';
import { PromptClient } from '../../../shared/client/prompt-client.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import type { KafkaClientPort } from '../../../shared/kafka/kafka-port.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { settlesWithin } from '../../../shared/timers/settles-within.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { writeTestPipelineConfig } from '../../helpers/test-pipeline-config.ts';
import { waitFor } from '../../helpers/wait-for.ts';

test('a start that failed (no output topic yet) is not cached: the next call starts', async (t) => {
  const { config } = writeTestPipelineConfig({}, 2);
  const client = await pipelineClient(config, 'client-start-retry');
  t.after(() => client.close());
  await assert.rejects(client.start(), /output topic .* does not exist|describe topic failed/);
  const admin = await testAdmin(t);
  await ensureTopics(admin, pipelineTopicSpecs(config));
  await client.start();
  assert.deepEqual(client.following(), { requests: 0, partitions: 0, reading: 0 });
});

/** A client of fresh topics whose one submit the schema refuses (after the partition's end offset was read). */
async function clientAfterRefusedPrompt(
  t: TestContext,
  clientId: string,
  partitionLingerMs: number,
): Promise<PromptClient> {
  const { config } = writeTestPipelineConfig({}, 2);
  const admin = await testAdmin(t);
  await ensureTopics(admin, pipelineTopicSpecs(config));
  const client = await pipelineClient(config, clientId, 60_000, partitionLingerMs);
  t.after(() => client.close());
  await assert.rejects(
    // @ts-expect-error a role the schema does not know: encoding must fail
    client.submit({ sessionId: `s-${clientId}`, messages: [{ role: 'wizard', content: 'hi' }] }),
    /does not match its schema at messages\.0\.role/,
  );
  return client;
}

test('a prompt that cannot be encoded is refused and leaves no request or partition followed', async (t) => {
  const client = await clientAfterRefusedPrompt(t, 'client-encode-leak', 0);
  assert.deepEqual(client.following(), { requests: 0, partitions: 0, reading: 0 });
});

test('an output partition no open request maps to is still read for partitionLingerMs, then not', async (t) => {
  const client = await clientAfterRefusedPrompt(t, 'client-linger', 500);
  assert.deepEqual(client.following(), { requests: 0, partitions: 0, reading: 1 });
  await waitFor(() => client.following().reading === 0, {
    timeoutMs: 10_000,
    what: 'the lingering partition to be let go',
  });
});

test('close() ends within closeTimeoutMs when a Kafka client never finishes disconnecting', async (t) => {
  const { config } = writeTestPipelineConfig({}, 2);
  const admin = await testAdmin(t);
  await ensureTopics(admin, pipelineTopicSpecs(config));
  const kafka = createKafkaClient({
    brokers: serviceEndpoints().kafkaBrokers,
    clientId: 'client-close-hang',
  });
  // The real reader, whose close() the test itself awaits; the client gets one whose close() never settles.
  const withHangingReaderClose: KafkaClientPort = {
    createConsumer: (options) => kafka.createConsumer(options),
    createProducer: () => kafka.createProducer(),
    createAdmin: () => kafka.createAdmin(),
    createPartitionReader: (options) => {
      const reader = kafka.createPartitionReader(options);
      t.after(() => reader.close());
      return {
        run: (onBatch) => reader.run(onBatch),
        assign: (positions) => reader.assign(positions),
        unassign: (partitions) => reader.unassign(partitions),
        positions: () => reader.positions(),
        close: () => new Promise<void>(() => undefined),
      };
    },
  };
  const client = new PromptClient({
    kafka: withHangingReaderClose,
    codecs: await createMessageCodecs({ schemaRegistryUrl: serviceEndpoints().schemaRegistryUrl }),
    outputTopic: config.topics.output,
    closeTimeoutMs: 500,
  });
  await client.start();
  const closed = await settlesWithin(client.close(), 5_000, { ref: false });
  assert.ok(closed, 'close() still pending 5 s after a 500 ms closeTimeoutMs');
});
