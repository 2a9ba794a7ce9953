/**
 * Waits until every partition of the given topics has a leader, as a fresh
 * metadata request reports it. Works with any admin that answers
 * fetchTopicMetadata the kafkajs way (kafkajs, and the librdkafka client's
 * KafkaJS-compatible admin).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface TopicMetadataSource {
  fetchTopicMetadata(options: {
    topics: string[];
  }): Promise<
    | { topics: readonly { partitions: readonly { leader: number }[] }[] }
    | readonly { partitions: readonly { leader: number }[] }[]
  >;
}

/** Metadata errors that only mean "not propagated yet" right after a topic was created (kafkajs and librdkafka names). */
const NOT_YET_ERRORS = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'ERR_UNKNOWN_TOPIC_OR_PART',
  'ERR_LEADER_NOT_AVAILABLE',
]);
const POLL_INTERVAL_MS = 100;

export async function waitForTopicLeaders(
  admin: TopicMetadataSource,
  topics: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await allPartitionsLed(admin, topics)) return;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for leaders of ${topics.join(', ')}`);
    }
    await sleep(POLL_INTERVAL_MS);
  }
}

async function allPartitionsLed(admin: TopicMetadataSource, topics: readonly string[]): Promise<boolean> {
  try {
    const answer = await admin.fetchTopicMetadata({ topics: [...topics] });
    // kafkajs answers { topics: [...] }, the librdkafka client's admin the list itself.
    const described = 'topics' in answer ? answer.topics : answer;
    return (
      described.length === topics.length &&
      described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
    );
  } catch (error) {
    if (NOT_YET_ERRORS.has((error as { type?: string }).type ?? '')) return false;
    throw error;
  }
}
