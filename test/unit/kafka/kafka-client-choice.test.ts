import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePipelineConfig } from '../../../shared/config/load-pipeline-config.ts';
import { kafkaClientFromEnv } from '../../../shared/kafka/create-kafka-client.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';

test('the Kafka client is kafkajs by default, the pipeline file can name confluent, and KPO_KAFKA_CLIENT wins', () => {
  assert.equal(parsePipelineConfig({}).kafka.client, 'kafkajs');
  assert.equal(parsePipelineConfig({ kafka: { client: 'confluent' } }).kafka.client, 'confluent');
  assert.equal(
    parsePipelineConfig({ kafka: { client: 'confluent' } }, { KPO_KAFKA_CLIENT: 'kafkajs' }).kafka.client,
    'kafkajs',
  );
  assert.equal(kafkaClientFromEnv({}), 'kafkajs');
  assert.equal(kafkaClientFromEnv({ KPO_KAFKA_CLIENT: 'confluent' }), 'confluent');
});

test('an unknown Kafka client is refused with the field and the choices', () => {
  assert.throws(
    () => parsePipelineConfig({}, { KPO_KAFKA_CLIENT: 'rdkafka' }),
    (error: unknown) =>
      error instanceof KpoError && error.context.field === 'kafka.client' && /kafkajs/.test(error.message),
  );
  assert.throws(
    () => kafkaClientFromEnv({ KPO_KAFKA_CLIENT: 'rdkafka' }),
    (error: unknown) => error instanceof KpoError && /KPO_KAFKA_CLIENT: got "rdkafka"/.test(error.message),
  );
});
