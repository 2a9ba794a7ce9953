/** A PromptClient of a test pipeline's topics, on the real broker and registry. */
import { PromptClient, type PromptInput } from '../../shared/client/prompt-client.ts';
import type { ClientEvent } from '../../shared/messages/types.ts';
import { createKafkaClient } from '../../shared/kafka/create-kafka-client.ts';
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { createMessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import { serviceEndpoints } from './services.ts';

export async function pipelineClient(
  config: PipelineConfig,
  clientId: string,
  eventTimeoutMs = 60_000,
  partitionLingerMs?: number,
): Promise<PromptClient> {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  const { topics } = config;
  return new PromptClient({
    kafka: createKafkaClient({ brokers: kafkaBrokers, clientId }),
    codecs: await createMessageCodecs({ schemaRegistryUrl }),
    promptsTopic: topics.prompts,
    outputTopic: topics.output,
    cancelTopic: topics.cancel,
    eventTimeoutMs,
    partitionLingerMs,
  });
}

/** Submits one prompt and collects its events up to and including the terminal one. */
export async function eventsOf(client: PromptClient, input: PromptInput): Promise<ClientEvent[]> {
  const { events } = await client.submit(input);
  const seen: ClientEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}
