/** AdminPort over the kafkajs admin client. */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import type { AdminPort, PartitionOffset, PartitionWatermarks, TopicSpec } from '../kafka-port.ts';
import { kafkaError } from './kafkajs-errors.ts';
import { kafkajsStyleTopics } from '../kafkajs-style-topics.ts';
import { waitForTopicLeaders } from '../wait-for-topic-leaders.ts';

/** kafkajs errors that mean "ask again in a moment": a partition's leadership is moving. */
const LEADERSHIP_MOVING = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const LEADERSHIP_RETRY = retry(
  handleWhen((error) => 'type' in error && LEADERSHIP_MOVING.has(String(error.type))),
  { maxAttempts: 5, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1_000 }) },
);

/** How long createTopics waits for every new partition to have a leader. */
const TOPIC_LEADER_WAIT_MS = 30_000;

export class KafkajsAdmin implements AdminPort {
  private readonly admin: Admin;

  constructor(kafka: kafkajs.Kafka) {
    this.admin = kafka.admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async createTopics(topics: readonly TopicSpec[]): Promise<void> {
    try {
      // kafkajs' own leader wait retries only LEADER_NOT_AVAILABLE; a broker under load first answers
      // UNKNOWN_TOPIC_OR_PARTITION for a topic it just created, so the wait is ours (waitForTopicLeaders).
      await this.admin.createTopics({
        waitForLeaders: false,
        topics: kafkajsStyleTopics(topics),
      });
      await waitForTopicLeaders(
        this.admin,
        topics.map((spec) => spec.topic),
        TOPIC_LEADER_WAIT_MS,
      );
    } catch (error) {
      throw kafkaError(error, 'create topics failed', { topic: topics[0]?.topic });
    }
  }

  async deleteTopics(topics: readonly string[]): Promise<void> {
    if (topics.length === 0) return;
    try {
      await this.admin.deleteTopics({ topics: [...topics] });
    } catch (error) {
      throw kafkaError(error, 'delete topics failed', { topic: topics[0] });
    }
  }

  async listTopics(): Promise<readonly string[]> {
    try {
      return await this.admin.listTopics();
    } catch (error) {
      throw kafkaError(error, 'list topics failed', {});
    }
  }

  async describeTopic(
    topic: string,
  ): Promise<{ readonly topic: string; readonly partitions: readonly number[] }> {
    try {
      const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = (topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
      return { topic, partitions };
    } catch (error) {
      throw kafkaError(error, 'describe topic failed', { topic });
    }
  }

  async topicOffsets(topic: string): Promise<readonly PartitionWatermarks[]> {
    try {
      // kafkajs retries only UNKNOWN_TOPIC_OR_PARTITION here; a partition whose leadership is still moving (a topic
      // created a moment ago, a broker that just came back) answers NOT_LEADER for a moment and is worth a retry.
      const offsets = await LEADERSHIP_RETRY.execute(() => this.admin.fetchTopicOffsets(topic));
      return offsets
        .map((o) => ({ partition: o.partition, low: o.low, high: o.high }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw kafkaError(error, 'fetch topic offsets failed', { topic });
    }
  }

  async groupOffsets(groupId: string, topic: string): Promise<readonly PartitionOffset[]> {
    try {
      const result = await this.admin.fetchOffsets({ groupId, topics: [topic] });
      return (result[0]?.partitions ?? [])
        .map((p) => ({ topic, partition: p.partition, offset: p.offset }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      throw kafkaError(error, 'fetch group offsets failed', { topic });
    }
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length === 0) return;
    try {
      await this.admin.deleteGroups([...groupIds]);
    } catch (error) {
      throw kafkaError(error, 'delete groups failed');
    }
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}
