/** Waits until every partition of the given topics has a leader, as a fresh metadata request reports it. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';

/** Metadata errors that only mean "not propagated yet" right after a topic was created. */
const NOT_YET_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const POLL_INTERVAL_MS = 100;

export async function waitForTopicLeaders(
  admin: Admin,
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

async function allPartitionsLed(admin: Admin, topics: readonly string[]): Promise<boolean> {
  try {
    const { topics: described } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return (
      described.length === topics.length &&
      described.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))
    );
  } catch (error) {
    if (NOT_YET_ERRORS.has((error as { type?: string }).type ?? '')) return false;
    throw error;
  }
}
