/**
 * What every command needs: the validated pipeline config, a Kafka client and
 * the message codecs, built from the same configuration the workers use.
 */
import { loadPipelineConfig } from '../shared/config/load-pipeline-config.ts';
import type { PipelineConfig } from '../shared/config/pipeline-config-schema.ts';
import { KpoError } from '../shared/errors/kpo-error.ts';
import { createKafkaClient, kafkaConnectionOptions } from '../shared/kafka/create-kafka-client.ts';
import type { KafkaClientPort } from '../shared/kafka/kafka-port.ts';
import { createMessageCodecs, type MessageCodecs } from '../shared/serde/create-message-codecs.ts';
import { PromptClient } from '../shared/client/prompt-client.ts';
import { resolveRegistryCredentials } from '../shared/serde/registry-auth-schema.ts';

export interface CliContext {
  readonly config: PipelineConfig;
  readonly kafka: KafkaClientPort;
  readonly codecs: MessageCodecs;
}

export function loadConfig(): PipelineConfig {
  return loadPipelineConfig();
}

export function requireBrokers(config: PipelineConfig): readonly string[] {
  const brokers = config.endpoints.kafkaBrokers;
  if (!brokers) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      'no Kafka brokers configured. Fix: set KAFKA_BROKERS, set endpoints.kafkaBrokers in the pipeline file, or run `npm run stack -- up`',
      { context: { field: 'endpoints.kafkaBrokers' } },
    );
  }
  return brokers;
}

export async function createCliContext(
  clientId: string,
  config: PipelineConfig = loadConfig(),
): Promise<CliContext> {
  const kafka = createKafkaClient({
    brokers: requireBrokers(config),
    clientId,
    ...kafkaConnectionOptions(config.kafka),
  });
  const codecs = await createMessageCodecs({
    schemaRegistryUrl: config.endpoints.schemaRegistryUrl ?? 'none',
    registryCredentials: resolveRegistryCredentials(config.schemaRegistry),
  });
  return { config, kafka, codecs };
}

/** A client of the configured pipeline's topics. */
export function createPromptClient(context: CliContext, eventTimeoutMs?: number): PromptClient {
  const { config, kafka, codecs } = context;
  return new PromptClient({
    kafka,
    codecs,
    promptsTopic: config.topics.prompts,
    outputTopic: config.topics.output,
    cancelTopic: config.topics.cancel,
    ...(eventTimeoutMs === undefined ? {} : { eventTimeoutMs }),
  });
}
