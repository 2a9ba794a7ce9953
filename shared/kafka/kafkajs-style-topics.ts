/** TopicSpecs in the shape both adapters' admins take (kafkajs and the librdkafka client's compatible admin). */
import type { TopicSpec } from './kafka-port.ts';

export interface KafkajsStyleTopic {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

export const kafkajsStyleTopics = (specs: readonly TopicSpec[]): KafkajsStyleTopic[] =>
  specs.map((spec) => ({
    topic: spec.topic,
    numPartitions: spec.partitions,
    // -1: the cluster's default.replication.factor (both clients send a CreateTopics version that allows it).
    replicationFactor: spec.replicationFactor ?? -1,
    configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
  }));
