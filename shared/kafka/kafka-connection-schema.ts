/**
 * The pipeline file's `kafka` section: which client library talks to the
 * cluster. Every default is written next to its field. The environment wins
 * over the file (applyKafkaEnv).
 */
import { z } from 'zod';
import { KAFKA_CLIENT_NAMES } from './kafka-client-name.ts';

export const kafkaConnectionSchema = z
  .object({
    /**
     * The client library: kafkajs (pure JavaScript, eager rebalances) or confluent
     * (librdkafka via @confluentinc/kafka-javascript, cooperative rebalances; installed by
     * scripts/install-confluent-client.sh). Env KPO_KAFKA_CLIENT. Default kafkajs.
     */
    client: z.enum(KAFKA_CLIENT_NAMES).default('kafkajs'),
  })
  .strict();

export type KafkaConnectionConfig = z.infer<typeof kafkaConnectionSchema>;

/** Environment names the `kafka` section reads. */
export const KAFKA_ENV_NAMES = ['KPO_KAFKA_CLIENT'] as const;

/** Puts the environment's Kafka settings over the file's `kafka` section (raw, before validation). */
export function applyKafkaEnv(section: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const kafka: Record<string, unknown> =
    typeof section === 'object' && section !== null && !Array.isArray(section) ? { ...section } : {};
  if (env.KPO_KAFKA_CLIENT) kafka.client = env.KPO_KAFKA_CLIENT;
  return kafka;
}
