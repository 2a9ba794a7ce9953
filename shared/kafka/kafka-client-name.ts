/** The Kafka client libraries the project has adapters for. */
export const KAFKA_CLIENT_NAMES = ['kafkajs', 'confluent'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENT_NAMES)[number];
