/** A consumer group's lag on a topic, per partition: end offset − committed offset (records in flight count). */
import type { AdminPort } from './kafka-port.ts';

export interface PartitionLag {
  readonly partition: number;
  /** Committed offset, "-1" when the group has none on this partition. */
  readonly committed: string;
  readonly high: string;
  readonly lag: number;
}

export async function consumerGroupLag(
  admin: AdminPort,
  groupId: string,
  topic: string,
): Promise<{ lag: number; partitions: PartitionLag[] }> {
  const [watermarks, committed] = await Promise.all([
    admin.topicOffsets(topic),
    admin.groupOffsets(groupId, topic),
  ]);
  const partitions = watermarks.map((w) => {
    const offset = committed.find((c) => c.partition === w.partition)?.offset ?? '-1';
    // No commit yet: the group starts from the earliest record, so everything available is lag.
    const from = Number(offset) >= 0 ? Number(offset) : Number(w.low);
    return {
      partition: w.partition,
      committed: offset,
      high: w.high,
      lag: Math.max(0, Number(w.high) - from),
    };
  });
  return { lag: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}
