/**
 * ConsumerPort over librdkafka's consumer (the node binding's low-level API,
 * not its KafkaJS-compatible layer).
 *
 * Why not the compatible layer's eachBatch: pausing a partition inside
 * eachBatch can skip messages it had prefetched (upstream issue 517). Here
 * the loop owns what it fetched: records a listener did not take stay in a
 * per-partition pending list and are offered again first, after resume() or
 * on the next turn. librdkafka drops its own prefetched messages of a paused
 * partition and fetches again from the position after the last message it
 * handed us, so nothing is skipped and nothing is read twice. The contract
 * suite proves it (test/integration/kafka/kafka-port-contract.ts).
 *
 * Fetching: consume() with a zero timeout takes what librdkafka has queued
 * without holding a libuv thread; librdkafka wakes the loop when its queue
 * fills (queue_non_empty_cb), and a timer of maxWaitTimeMs turns the loop
 * anyway, because rebalance callbacks are served only inside consume().
 *
 * Rebalancing is cooperative (cooperative-sticky): a member joining or
 * leaving moves only the partitions that change owner; the others keep being
 * fetched and processed. librdkafka heartbeats on its own thread, so a paused
 * or busy consumer keeps its membership.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  BatchListener,
  ConsumedRecord,
  ConsumerOptions,
  ConsumerPort,
  PartitionOffset,
  TopicPartition,
} from '../kafka-port.ts';
import { confluentKafkaError, rdCall } from './confluent-errors.ts';
import { consumedRecord } from './confluent-consumed-record.ts';
import { FetchLoopWaker } from './fetch-loop-waker.ts';
import { CommitAcknowledgements } from './commit-acknowledgements.ts';
import type {
  LibrdkafkaBinding,
  LibrdkafkaConfig,
  LibrdkafkaError,
  RdKafkaConsumer,
  RdMessage,
  RdTopicPartition,
} from './librdkafka-binding.ts';

const ERR_ASSIGN_PARTITIONS = -175;
const ERR_REVOKE_PARTITIONS = -174;
/** Messages taken from librdkafka's queue per loop turn. */
const CONSUME_BATCH = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** A commit the coordinator has not answered by then fails (retryable); the offset committer tries again. */
const COMMIT_TIMEOUT_MS = 30_000;

const tpKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
/** The partitions of `from` that are not in `remove`. */
function withoutAll(from: readonly TopicPartition[], remove: readonly TopicPartition[]): TopicPartition[] {
  const removed = new Set(remove.map((tp) => tpKey(tp.topic, tp.partition)));
  return from.filter((tp) => !removed.has(tpKey(tp.topic, tp.partition)));
}

const unionOf = (a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] => [
  ...a,
  ...withoutAll(b, a),
];

const toppars = (partitions: readonly TopicPartition[]): RdTopicPartition[] =>
  partitions.map(({ topic, partition }) => ({ topic, partition }));

interface PartitionState {
  readonly tp: TopicPartition;
  /** Fetched, not yet taken by the listener, in offset order. */
  pending: ConsumedRecord[];
  /** Next offset the listener has not taken (for lag()); undefined until the first fetch. */
  next: bigint | undefined;
}

export class ConfluentConsumer implements ConsumerPort {
  private consumer: RdKafkaConsumer | undefined;
  private listener: BatchListener | undefined;
  private current: TopicPartition[] = [];
  private readonly partitions = new Map<string, PartitionState>();
  private readonly paused = new Set<string>();
  private closed = false;
  /** The first assignment (even an empty one) was reported. */
  private joined = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new FetchLoopWaker();
  private readonly commitAcks = new CommitAcknowledgements(COMMIT_TIMEOUT_MS);
  private firstAssignment: (() => void) | undefined;
  private readonly maxWaitTimeMs: number;
  private readonly rebalanceTimeoutMs: number;

  constructor(
    private readonly rd: LibrdkafkaBinding,
    private readonly common: LibrdkafkaConfig,
    private readonly options: ConsumerOptions,
  ) {
    this.maxWaitTimeMs = options.maxWaitTimeMs ?? 500;
    this.rebalanceTimeoutMs = options.rebalanceTimeoutMs ?? 60_000;
  }

  async subscribe(
    topics: readonly string[],
    options: { readonly fromBeginning?: boolean } = {},
  ): Promise<void> {
    const sessionTimeoutMs = this.options.sessionTimeoutMs ?? 30_000;
    const consumer = new this.rd.KafkaConsumer(
      {
        ...this.common,
        'group.id': this.options.groupId,
        'partition.assignment.strategy': 'cooperative-sticky',
        'session.timeout.ms': sessionTimeoutMs,
        'heartbeat.interval.ms': this.options.heartbeatIntervalMs ?? 3_000,
        'max.poll.interval.ms': Math.max(this.rebalanceTimeoutMs, sessionTimeoutMs),
        'fetch.wait.max.ms': this.maxWaitTimeMs,
        'max.partition.fetch.bytes': this.options.maxBytesPerPartition ?? 1_048_576,
        // librdkafka prefetches up to this much per consumer (default 64 MiB); keep it near kafkajs'.
        'queued.max.messages.kbytes': 16_384,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'allow.auto.create.topics': false,
        rebalance_cb: (error: LibrdkafkaError, assignment: RdTopicPartition[]) =>
          this.onRebalance(error, assignment),
        queue_non_empty_cb: () => this.waker.wake(),
        offset_commit_cb: (error: LibrdkafkaError | undefined, offsets: RdTopicPartition[]) =>
          this.commitAcks.onCommitted(error, offsets),
      },
      { 'auto.offset.reset': (options.fromBeginning ?? true) ? 'earliest' : 'latest' },
    );
    consumer.on('event.error', (error) => {
      if ((error as { isFatal?: boolean }).isFatal) this.crash(error);
    });
    await rdCall('subscribe failed', { topic: topics[0] }, (done) =>
      consumer.connect({ timeout: CONNECT_TIMEOUT_MS }, done),
    );
    consumer.setDefaultConsumeTimeout(0);
    consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    try {
      consumer.subscribe(topics);
    } catch (error) {
      throw confluentKafkaError(error, 'subscribe failed', { topic: topics[0] });
    }
    this.consumer = consumer;
  }

  async run(listener: BatchListener): Promise<void> {
    if (!this.consumer) throw confluentKafkaError('subscribe() first', 'consumer run failed');
    this.listener = listener;
    const joined = new Promise<void>((resolve) => (this.firstAssignment = resolve));
    this.loop = this.fetchLoop(this.consumer);
    const timeout = sleep(this.rebalanceTimeoutMs, 'timeout' as const, { ref: false });
    if ((await Promise.race([joined, timeout])) === 'timeout') {
      throw confluentKafkaError(
        `no assignment within ${this.rebalanceTimeoutMs} ms`,
        'consumer run failed: the group did not assign partitions',
      );
    }
  }

  private async fetchLoop(consumer: RdKafkaConsumer): Promise<void> {
    while (!this.closed) {
      let messages: RdMessage[];
      try {
        messages = await new Promise<RdMessage[]>((resolve, reject) =>
          consumer.consume(CONSUME_BATCH, (error, batch) => (error ? reject(error) : resolve(batch))),
        );
      } catch (error) {
        if (this.closed) return;
        if ((error as { isFatal?: boolean }).isFatal) return this.crash(error);
        messages = [];
      }
      for (const message of messages)
        this.partitions.get(tpKey(message.topic, message.partition))?.pending.push(consumedRecord(message));
      const progressed = await this.deliverPending();
      if (messages.length === 0 && !progressed) await this.waker.idle(this.maxWaitTimeMs);
    }
  }

  /** Offers every unpaused partition its pending records; true when the listener took any. */
  private async deliverPending(): Promise<boolean> {
    let progressed = false;
    for (const [key, state] of this.partitions) {
      if (state.pending.length === 0 || this.paused.has(key) || !this.listener) continue;
      const records = state.pending;
      let taken = 0;
      try {
        taken = await this.listener.onBatch({
          ...state.tp,
          records,
          highWatermark: this.highWatermark(state.tp, records),
        });
      } catch {
        taken = 0;
      }
      taken = Math.max(0, Math.min(Math.trunc(taken), records.length));
      // The partition may have been revoked while the listener ran: its state is gone then.
      if (taken === 0 || this.partitions.get(key) !== state) continue;
      progressed = true;
      state.next = BigInt(records[taken - 1]!.offset) + 1n;
      state.pending = records.slice(taken);
    }
    return progressed;
  }

  private highWatermark(tp: TopicPartition, records: readonly ConsumedRecord[]): string {
    try {
      return String(this.consumer!.getWatermarkOffsets(tp.topic, tp.partition).highOffset);
    } catch {
      return String(BigInt(records.at(-1)?.offset ?? '-1') + 1n);
    }
  }

  /** librdkafka's rebalance callback: apply the (incremental) change and tell the listener. */
  private onRebalance(error: LibrdkafkaError, assignment: RdTopicPartition[]): void {
    const consumer = this.consumer;
    if (!consumer) return;
    const changed: TopicPartition[] = assignment.map(({ topic, partition }) => ({ topic, partition }));
    const incremental = consumer.rebalanceProtocol() !== 'EAGER';
    try {
      if (error.code === ERR_ASSIGN_PARTITIONS) {
        if (incremental) consumer.incrementalAssign(toppars(changed));
        else consumer.assign(toppars(changed));
        // A partition comes in unpaused, whatever it was before it was revoked.
        if (changed.length > 0) consumer.resume(toppars(changed));
        this.applyAssignment(incremental ? unionOf(this.current, changed) : changed);
        this.firstAssignment?.();
        this.firstAssignment = undefined;
      } else if (error.code === ERR_REVOKE_PARTITIONS) {
        if (!this.closed) this.listener?.onRebalancing?.();
        if (incremental) consumer.incrementalUnassign(toppars(changed));
        else consumer.unassign();
        this.applyAssignment(incremental ? withoutAll(this.current, changed) : []);
      }
    } catch (cause) {
      if (!this.closed) this.crash(cause);
    }
  }

  /** Moves to the new assignment; tells the listener when it changed (a step with no change is no news). */
  private applyAssignment(next: TopicPartition[]): void {
    const revoked = withoutAll(this.current, next);
    const assigned = withoutAll(next, this.current);
    for (const tp of revoked) {
      this.partitions.delete(tpKey(tp.topic, tp.partition));
      this.paused.delete(tpKey(tp.topic, tp.partition));
    }
    for (const tp of assigned) {
      this.paused.delete(tpKey(tp.topic, tp.partition));
      this.partitions.set(tpKey(tp.topic, tp.partition), { tp, pending: [], next: undefined });
    }
    const first = !this.joined;
    this.joined = true;
    this.current = next;
    if (revoked.length === 0 && assigned.length === 0 && !first) return;
    this.listener?.onAssignmentChange?.({ assigned, revoked, current: next });
  }

  private crash(cause: unknown): void {
    if (this.closed) return;
    this.listener?.onCrash?.(confluentKafkaError(cause, 'consumer crashed'));
  }

  pause(partitions: readonly TopicPartition[]): void {
    if (!this.consumer || this.closed || partitions.length === 0) return;
    for (const tp of partitions) this.paused.add(tpKey(tp.topic, tp.partition));
    this.consumer.pause(toppars(partitions));
  }

  resume(partitions: readonly TopicPartition[]): void {
    if (!this.consumer || this.closed || partitions.length === 0) return;
    for (const tp of partitions) this.paused.delete(tpKey(tp.topic, tp.partition));
    this.consumer.resume(toppars(partitions));
    this.waker.wake();
  }

  assignment(): readonly TopicPartition[] {
    return this.current;
  }

  async commit(offsets: readonly PartitionOffset[]): Promise<void> {
    const consumer = this.consumer;
    if (offsets.length === 0 || !consumer) return;
    const context = { topic: offsets[0]?.topic, partition: offsets[0]?.partition };
    const stored = this.commitAcks.expect(offsets);
    stored.catch(() => undefined); // awaited below; a commit refused at once rejects it before that
    try {
      // Calls back once the commit is queued; `stored` settles when the coordinator answered.
      await rdCall('commit failed', context, (done) =>
        consumer.commitCb(
          offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: Number(offset) })),
          done,
        ),
      );
    } catch (error) {
      this.commitAcks.abandon(offsets, error as Error);
      throw error;
    }
    await stored;
  }

  lag(): readonly (TopicPartition & { readonly lag: number })[] {
    const out: (TopicPartition & { lag: number })[] = [];
    for (const state of this.partitions.values()) {
      const next = state.pending[0] ? BigInt(state.pending[0].offset) : state.next;
      if (next === undefined) continue;
      const high = BigInt(this.highWatermark(state.tp, state.pending));
      out.push({ ...state.tp, lag: high > next ? Number(high - next) : 0 });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.firstAssignment?.();
    this.waker.wake();
    await this.loop;
    this.commitAcks.failAll(confluentKafkaError(new Error('the consumer closed'), 'commit failed'));
    const consumer = this.consumer;
    if (!consumer) return;
    await rdCall('consumer close failed', {}, (done) => {
      consumer.unsubscribe();
      return consumer.disconnect(done);
    });
  }
}
