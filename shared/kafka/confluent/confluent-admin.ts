/** AdminPort over the librdkafka client's promise-based (KafkaJS-compatible) admin. */
import type { AdminPort, PartitionOffset, PartitionWatermarks, TopicSpec } from '../kafka-port.ts';
import { kafkajsStyleTopics } from '../kafkajs-style-topics.ts';
import { waitForTopicLeaders } from '../wait-for-topic-leaders.ts';
import { confluentKafkaError } from './confluent-errors.ts';
import type { CompatAdmin, LibrdkafkaBinding, LibrdkafkaConfig } from './librdkafka-binding.ts';

/** How long createTopics waits for every new partition to have a leader. */
const TOPIC_LEADER_WAIT_MS = 30_000;

export class ConfluentAdmin implements AdminPort {
  private readonly admin: CompatAdmin;

  constructor(rd: LibrdkafkaBinding, common: LibrdkafkaConfig) {
    // The compatible layer logs every connect at info on the console; the project's logs stay quiet.
    this.admin = new rd.KafkaJS.Kafka(common).admin({ kafkaJS: { logLevel: rd.KafkaJS.logLevel.NOTHING } });
  }

  /** Runs one admin call; whatever it throws becomes a KPO_KAFKA error naming the call and topic. */
  private async call<T>(what: string, topic: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw confluentKafkaError(error, `${what} failed`, topic === undefined ? {} : { topic });
    }
  }

  connect(): Promise<void> {
    return this.call('admin connect', undefined, () => this.admin.connect());
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    await this.call('create topics', topics[0]?.topic, async () => {
      await this.admin.createTopics({ topics: kafkajsStyleTopics(topics) });
      await waitForTopicLeaders(
        this.admin,
        topics.map((spec) => spec.topic),
        TOPIC_LEADER_WAIT_MS,
      );
    });
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    await this.call('delete topics', topics[0], () => this.admin.deleteTopics({ topics: [...topics] }));
  }

  listTopics(): Promise<readonly string[]> {
    return this.call('list topics', undefined, () => this.admin.listTopics());
  }

  describeTopic(topic: string): Promise<{ readonly topic: string; readonly partitions: readonly number[] }> {
    return this.call('describe topic', topic, async () => {
      const [described] = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = (described?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
      return { topic, partitions };
    });
  }

  topicOffsets(topic: string): Promise<readonly PartitionWatermarks[]> {
    return this.call('fetch topic offsets', topic, async () =>
      (await this.admin.fetchTopicOffsets(topic))
        .map(({ partition, low, high }) => ({ partition, low, high }))
        .sort((a, b) => a.partition - b.partition),
    );
  }

  groupOffsets(groupId: string, topic: string): Promise<readonly PartitionOffset[]> {
    return this.call('fetch group offsets', topic, async () => {
      const [result] = await this.admin.fetchOffsets({ groupId, topics: [topic] });
      return (result?.partitions ?? [])
        .map(({ partition, offset }) => ({ topic, partition, offset }))
        .sort((a, b) => a.partition - b.partition);
    });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    await this.call('delete groups', undefined, () => this.admin.deleteGroups([...groupIds]));
  }

  close(): Promise<void> {
    return this.call('admin close', undefined, () => this.admin.disconnect());
  }
}
