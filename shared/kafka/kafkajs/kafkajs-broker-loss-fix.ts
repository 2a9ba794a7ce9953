/**
 * Keeps a kafkajs 2.2.4 consumer consuming while one broker of several is
 * down (upstream issue 1439, open; the library is unmaintained). Unpatched,
 * measured on a 3-broker stack with one broker SIGKILLed:
 *
 * - A fetch from the dead broker throws a KafkaJSConnectionError that
 *   ConsumerGroup.recoverFromFetch does not handle: the fetch manager stops the
 *   fetchers of every broker, the runner retries, and after its retries the
 *   consumer crashes and restarts as a NEW member, whose join waits until the
 *   old member's session timed out. Nothing was consumed from any broker for
 *   that whole time (20+ s).
 * - A heartbeat to a dead group coordinator throws the same way; a heartbeat
 *   answered "not coordinator" makes the whole group rebalance.
 * - Offset commits keep going to the old coordinator (the OffsetManager only
 *   reconnects to the same node), so they fail until the next rejoin.
 *
 * Patched, as the Java client does: a fetch from an unreachable broker
 * refreshes the metadata (leaders move to the live brokers once the
 * controller fenced the dead one) and returns nothing after a short pause,
 * while the other brokers' fetchers go on; a lost coordinator is looked up
 * again (same member, same generation: the new coordinator loads the group
 * from __consumer_offsets), in the background for heartbeats, before the next
 * commit for the OffsetManager.
 */
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a fetcher whose broker is unreachable waits before it tries again (with fresh metadata). */
export const UNREACHABLE_BROKER_PAUSE_MS = 500;
const PATCHED_VERSION = '2.2.4';

interface KafkajsError {
  readonly name?: string;
  readonly type?: string;
}

interface Broker {
  isConnected(): boolean;
}

interface Cluster {
  refreshMetadata(): Promise<void>;
  findGroupCoordinator(options: { groupId: string }): Promise<Broker>;
}

interface OffsetManagerInternals {
  cluster: Cluster;
  coordinator: Broker;
  groupId: string;
  getCoordinator: (this: OffsetManagerInternals) => Promise<Broker>;
  commitOffsets: (this: OffsetManagerInternals, offsets?: unknown) => Promise<void>;
}

interface ConsumerGroupInternals {
  cluster: Cluster;
  coordinator: Broker | null;
  groupId: string;
  offsetManager: OffsetManagerInternals | null;
  recoverFromFetch: (this: ConsumerGroupInternals, error: unknown) => Promise<void>;
  heartbeat: (this: ConsumerGroupInternals, options: { interval: number }) => Promise<void>;
}

const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
]);
const COORDINATOR_MOVED = new Set(['NOT_COORDINATOR_FOR_GROUP', 'GROUP_COORDINATOR_NOT_AVAILABLE']);

/** The broker did not answer (down, restarting, unreachable): another broker may lead its partitions soon. */
export function isUnreachableBroker(error: unknown): boolean {
  const e = error as KafkajsError | null;
  return typeof e?.name === 'string' && CONNECTION_ERRORS.has(e.name);
}

/** The group's coordinator is gone or moved: look it up again, keep the membership. */
export function isCoordinatorLost(error: unknown): boolean {
  const e = error as KafkajsError | null;
  return isUnreachableBroker(error) || (typeof e?.type === 'string' && COORDINATOR_MOVED.has(e.type));
}

const require = createRequire(import.meta.url);
/** Offset managers whose coordinator must be looked up again before their next request. */
const staleCoordinator = new WeakSet<OffsetManagerInternals>();
/** One background coordinator lookup per consumer group at a time. */
const lookups = new WeakMap<ConsumerGroupInternals, Promise<void>>();

function patchConsumerGroup(prototype: ConsumerGroupInternals): void {
  const recoverFromFetch = prototype.recoverFromFetch;
  prototype.recoverFromFetch = async function (this: ConsumerGroupInternals, error: unknown) {
    if (!isUnreachableBroker(error)) return recoverFromFetch.call(this, error);
    await this.cluster.refreshMetadata().catch(() => undefined);
    await sleep(UNREACHABLE_BROKER_PAUSE_MS);
  };

  const heartbeat = prototype.heartbeat;
  prototype.heartbeat = async function (this: ConsumerGroupInternals, options: { interval: number }) {
    if (lookups.has(this)) return; // a coordinator lookup is under way: the next fetch heartbeats
    try {
      await heartbeat.call(this, options);
    } catch (error) {
      if (!isCoordinatorLost(error)) throw error;
      lookups.set(this, lookUpCoordinator(this));
    }
  };
}

/** Finds the group's coordinator again; until then heartbeats are skipped (the session timeout bounds that). */
async function lookUpCoordinator(group: ConsumerGroupInternals): Promise<void> {
  try {
    const coordinator = await group.cluster.findGroupCoordinator({ groupId: group.groupId });
    group.coordinator = coordinator;
    if (group.offsetManager) {
      group.offsetManager.coordinator = coordinator;
      staleCoordinator.delete(group.offsetManager);
    }
  } catch {
    // Not found yet: the next heartbeat fails again and starts another lookup.
  } finally {
    lookups.delete(group);
  }
}

function patchOffsetManager(prototype: OffsetManagerInternals): void {
  prototype.getCoordinator = async function (this: OffsetManagerInternals) {
    if (staleCoordinator.has(this) || !this.coordinator.isConnected()) {
      this.coordinator = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
      staleCoordinator.delete(this);
    }
    return this.coordinator;
  };

  const commitOffsets = prototype.commitOffsets;
  prototype.commitOffsets = async function (this: OffsetManagerInternals, offsets?: unknown) {
    try {
      await commitOffsets.call(this, offsets);
    } catch (error) {
      if (isCoordinatorLost(error)) staleCoordinator.add(this);
      throw error;
    }
  };
}

let installed = false;

/**
 * Installs the fix once per process. Only on the kafkajs version it was written for: another version's
 * internals may differ, and are left alone (returns false).
 */
export function fixKafkajsBrokerLoss(): boolean {
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return false;
  if (installed) return true;
  installed = true;
  patchConsumerGroup(
    (require('kafkajs/src/consumer/consumerGroup.js') as { prototype: ConsumerGroupInternals }).prototype,
  );
  patchOffsetManager(
    (require('kafkajs/src/consumer/offsetManager/index.js') as { prototype: OffsetManagerInternals })
      .prototype,
  );
  return true;
}
