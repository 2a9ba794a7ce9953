/**
 * Consumer-group membership, which the project's AdminPort does not offer:
 * a minimal kafkajs admin adapter for `kpo status` only (describeGroups).
 * Offsets and watermarks come through the AdminPort as everywhere else.
 */
import kafkajs from 'kafkajs';

export interface GroupDescription {
  readonly groupId: string;
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead. */
  readonly state: string;
  readonly members: number;
}

export interface GroupDescriber {
  connect(): Promise<void>;
  describeGroups(groupIds: readonly string[]): Promise<readonly GroupDescription[]>;
  close(): Promise<void>;
}

export class KafkajsGroupDescriber implements GroupDescriber {
  private readonly admin: kafkajs.Admin;

  constructor(brokers: readonly string[], clientId = 'kpo-status') {
    this.admin = new kafkajs.Kafka({
      clientId,
      brokers: [...brokers],
      connectionTimeout: 3_000,
      logLevel: kafkajs.logLevel.NOTHING,
      retry: { retries: 2, initialRetryTime: 100 },
    }).admin();
  }

  async connect(): Promise<void> {
    await this.admin.connect();
  }

  async describeGroups(groupIds: readonly string[]): Promise<readonly GroupDescription[]> {
    const { groups } = await this.admin.describeGroups([...groupIds]);
    return groups.map((group) => ({
      groupId: group.groupId,
      state: group.state,
      members: group.members.length,
    }));
  }

  async close(): Promise<void> {
    await this.admin.disconnect();
  }
}
