/**
 * ConsumerPort over a kafkajs consumer.
 *
 * Why eachBatch with manual resolve: kafkajs fetches the next batch of a
 * partition from its "resolved" offset and re-delivers a batch when eachBatch
 * returns without resolving. The runtime takes records into its own bounded
 * queue and returns at once, so we resolve exactly the records it took; the
 * rest are fetched again after resume(). Because eachBatch never blocks,
 * kafkajs' fetch loop keeps running and heartbeating while handlers run for
 * minutes or while every partition is paused (a fully paused consumer sleeps
 * maxWaitTime per loop turn and heartbeats). autoCommit is off: the runtime
 * commits contiguous completed offsets itself through commit().
 *
 * kafkajs rebalances eagerly and re-creates its offset state from the
 * committed offsets after every join, so retained partitions are fetched
 * again from the committed offset: the listener skips what it already holds.
 *
 * Why a paused batch is held: a kafkajs consumer whose partitions are all
 * paused sleeps maxWaitTime per loop turn, so resume() would take effect only
 * up to maxWaitTime later, and a worker that pauses often would idle. So when
 * a partition is paused while its batch is being delivered, eachBatch waits
 * for resume() (or close, or a rebalance) before returning, heartbeating
 * meanwhile: resume takes effect at once and membership stays alive. A
 * heartbeat that reports a rebalance ends the wait so kafkajs can rejoin.
 *
 * Why commits do not go through consumer.commitOffsets: kafkajs retries a
 * commit that failed retriably (coordinator gone, connection closed) with the
 * group's CURRENT generation, so a commit of positions from before a rejoin
 * can land under the new one, for partitions now owned by another member:
 * committed offsets go backwards. A commit here is one attempt with the
 * generation current when it is made (the eachBatch payload's commit), and
 * none is made between the start of a rebalance and the new assignment; the
 * runtime commits again later with what it then owns.
 */
import kafkajs from 'kafkajs';
import type { Consumer, EachBatchPayload, Offsets } from 'kafkajs';
import { KpoError } from '../../errors/kpo-error.ts';
import type {
  BatchListener,
  ConsumedRecord,
  ConsumerOptions,
  ConsumerPort,
  PartitionOffset,
  TopicPartition,
} from '../kafka-port.ts';
import { kafkaError } from './kafkajs-errors.ts';
import { consumerRetry } from './kafkajs-consumer-retry.ts';
import { consumedRecord } from './kafkajs-consumed-record.ts';

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

function groupByTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic) ?? [];
    list.push(partition);
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}

export class KafkajsConsumer implements ConsumerPort {
  private readonly consumer: Consumer;
  private current: TopicPartition[] = [];
  /** Per partition: high watermark of the last fetch and next offset to take, for lag(). */
  private readonly positions = new Map<string, { tp: TopicPartition; high: bigint; next: bigint }>();
  private running = false;
  private closed = false;
  private readonly paused = new Set<string>();
  private wakeups = new Set<() => void>();
  private readonly heartbeatIntervalMs: number;
  private readonly removers: (() => void)[] = [];
  /** One commit attempt with the generation current at the call (from the latest batch; its runner's group). */
  private commitOnce: ((offsets: Offsets) => Promise<void>) | undefined;
  /** Between the start of a rebalance and the new assignment: positions may belong to the old generation. */
  private rebalancing = false;

  constructor(kafka: kafkajs.Kafka, options: ConsumerOptions) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: this.heartbeatIntervalMs,
      rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      allowAutoTopicCreation: false,
      retry: consumerRetry(() => this.closed),
    });
  }

  async subscribe(
    topics: readonly string[],
    options: { readonly fromBeginning?: boolean } = {},
  ): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? true });
    } catch (error) {
      throw kafkaError(error, 'subscribe failed', { topic: topics[0] });
    }
  }

  async run(listener: BatchListener): Promise<void> {
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    this.removers.push(
      this.consumer.on(GROUP_JOIN, (event) => this.onJoin(event.payload.memberAssignment, listener)),
      this.consumer.on(REBALANCING, () => {
        // The listener's last commit with the current generation goes out synchronously, before the fence.
        listener.onRebalancing?.();
        this.rebalancing = true;
      }),
      this.consumer.on(CRASH, (event) => {
        this.commitOnce = undefined; // a restart brings a new runner and group
        if (!event.payload.restart) listener.onCrash?.(kafkaError(event.payload.error, 'consumer crashed'));
      }),
    );
    try {
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.deliver(payload, listener),
      });
      this.running = true;
    } catch (error) {
      throw kafkaError(error, 'consumer run failed');
    }
  }

  private onJoin(memberAssignment: Record<string, number[]>, listener: BatchListener): void {
    const next: TopicPartition[] = Object.entries(memberAssignment).flatMap(([topic, partitions]) =>
      partitions.map((partition) => ({ topic, partition })),
    );
    const nextKeys = new Set(next.map((tp) => tpKey(tp.topic, tp.partition)));
    const prevKeys = new Set(this.current.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.current.filter((tp) => !nextKeys.has(tpKey(tp.topic, tp.partition)));
    const assigned = next.filter((tp) => !prevKeys.has(tpKey(tp.topic, tp.partition)));
    for (const tp of revoked) {
      this.positions.delete(tpKey(tp.topic, tp.partition));
      this.paused.delete(tpKey(tp.topic, tp.partition));
    }
    // A partition comes in unpaused: kafkajs keeps a pause across revoke and assign, so a partition
    // paused, revoked, then assigned back would never be fetched again.
    if (assigned.length > 0) this.consumer.resume(groupByTopic(assigned));
    this.current = next;
    listener.onAssignmentChange?.({ assigned, revoked, current: next });
    this.rebalancing = false;
  }

  private async deliver(payload: EachBatchPayload, listener: BatchListener): Promise<void> {
    const { batch } = payload;
    this.commitOnce = (offsets) => payload.commitOffsetsIfNecessary(offsets);
    const records: ConsumedRecord[] = batch.messages.map((m) => consumedRecord(batch, m));
    const key = tpKey(batch.topic, batch.partition);
    const position = this.positions.get(key) ?? {
      tp: { topic: batch.topic, partition: batch.partition },
      high: 0n,
      next: BigInt(records[0]?.offset ?? batch.highWatermark),
    };
    position.high = BigInt(batch.highWatermark);
    this.positions.set(key, position);
    // Offer the records; when the listener stops short because it paused, keep the rest of the
    // batch and offer it again on resume (re-fetching would decode the same bytes again).
    let offered = 0;
    while (offered < records.length) {
      const remaining = offered === 0 ? records : records.slice(offered);
      let taken = 0;
      try {
        taken = await listener.onBatch({
          topic: batch.topic,
          partition: batch.partition,
          records: remaining,
          highWatermark: batch.highWatermark,
        });
      } catch {
        taken = 0;
      }
      taken = Math.max(0, Math.min(taken, remaining.length));
      const last = remaining[taken - 1];
      if (last) {
        payload.resolveOffset(last.offset);
        position.next = BigInt(last.offset) + 1n;
      }
      offered += taken;
      if (offered >= records.length || !this.paused.has(key)) break;
      if (!(await this.holdWhilePaused(key, payload))) return;
    }
    await this.holdWhilePaused(key, payload);
  }

  /** Waits while the partition is paused; true when it was resumed, false on close or rebalance. */
  private async holdWhilePaused(key: string, payload: EachBatchPayload): Promise<boolean> {
    while (this.paused.has(key)) {
      if (this.closed || !payload.isRunning()) return false;
      const resumed = await new Promise<boolean>((resolve) => {
        const wake = (): void => {
          clearTimeout(timer);
          this.wakeups.delete(wake);
          resolve(true);
        };
        const timer = setTimeout(() => {
          this.wakeups.delete(wake);
          resolve(false);
        }, this.heartbeatIntervalMs);
        this.wakeups.add(wake);
      });
      if (resumed) continue;
      try {
        await payload.heartbeat();
      } catch {
        return false; // rebalancing or gone: let kafkajs handle it
      }
    }
    return !this.closed;
  }

  private wakeAll(): void {
    const wakeups = this.wakeups;
    this.wakeups = new Set();
    for (const wake of wakeups) wake();
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (!this.running || this.closed || partitions.length === 0) return;
    for (const tp of partitions) this.paused.add(tpKey(tp.topic, tp.partition));
    this.consumer.pause(groupByTopic(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (!this.running || this.closed || partitions.length === 0) return;
    for (const tp of partitions) this.paused.delete(tpKey(tp.topic, tp.partition));
    this.consumer.resume(groupByTopic(partitions));
    this.wakeAll();
  }

  assignment(): readonly TopicPartition[] {
    return this.current;
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const context = { topic: offsets[0]?.topic, partition: offsets[0]?.partition };
    const commitOnce = this.commitOnce;
    if (this.rebalancing || commitOnce === undefined) {
      const why = this.rebalancing ? 'the group is rebalancing' : 'no batch was delivered yet';
      throw new KpoError('KPO_KAFKA', `commit not made: ${why}`, { retryable: true, context });
    }
    const topics = groupByTopic(offsets).map(({ topic }) => ({
      topic,
      partitions: offsets
        .filter((o) => o.topic === topic)
        .map(({ partition, offset }) => ({ partition, offset })),
    }));
    try {
      await commitOnce({ topics });
    } catch (error) {
      throw kafkaError(error, 'commit failed', context);
    }
  }

  lag(): readonly (TopicPartition & { readonly lag: number })[] {
    return [...this.positions.values()].map(({ tp, high, next }) => ({
      ...tp,
      lag: high > next ? Number(high - next) : 0,
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeAll();
    for (const remove of this.removers.splice(0)) remove();
    try {
      await this.consumer.disconnect();
    } catch (error) {
      throw kafkaError(error, 'consumer close failed');
    }
  }
}
