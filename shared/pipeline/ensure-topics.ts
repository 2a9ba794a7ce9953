/**
 * Creates missing pipeline topics and checks existing ones: every pipeline
 * topic must have the configured partition count, or session affinity across
 * hops breaks. A mismatch is reported, never silently "fixed".
 */
import type { AdminPort, TopicSpec } from '../kafka/kafka-port.ts';
import { KpoError } from '../errors/kpo-error.ts';

export interface TopicCheck {
  readonly topic: string;
  readonly expectedPartitions: number;
  readonly actualPartitions: number | undefined;
  readonly status: 'ok' | 'created' | 'missing' | 'partition-mismatch';
}

export async function checkTopics(admin: AdminPort, specs: readonly TopicSpec[]): Promise<TopicCheck[]> {
  const existing = new Set(await admin.listTopics());
  return Promise.all(
    specs.map(async (spec) => {
      const actual = existing.has(spec.topic)
        ? (await admin.describeTopic(spec.topic)).partitions.length
        : undefined;
      const status =
        actual === undefined ? 'missing' : actual === spec.partitions ? 'ok' : 'partition-mismatch';
      return { topic: spec.topic, expectedPartitions: spec.partitions, actualPartitions: actual, status };
    }),
  );
}

export async function ensureTopics(admin: AdminPort, specs: readonly TopicSpec[]): Promise<TopicCheck[]> {
  const before = await checkTopics(admin, specs);
  const missing = specs.filter((spec) => before.find((c) => c.topic === spec.topic)?.status === 'missing');
  if (missing.length > 0) await admin.createTopics(missing);
  const after = before.map((c) =>
    c.status === 'missing' ? { ...c, status: 'created' as const, actualPartitions: c.expectedPartitions } : c,
  );
  const mismatched = after.filter((c) => c.status === 'partition-mismatch');
  if (mismatched.length > 0) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `topics with the wrong partition count: ${mismatched.map((c) => `${c.topic} has ${c.actualPartitions}, config says ${c.expectedPartitions}`).join('; ')}. Fix: recreate them or set topics.partitions to match`,
      { context: { field: 'topics.partitions', topic: mismatched[0]!.topic } },
    );
  }
  return after;
}
