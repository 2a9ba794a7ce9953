/**
 * PartitionReaderPort over kafkajs.
 *
 * kafkajs has no group-less consumer (no assign()), so the reader is the only
 * member of a private group of its own that never commits: the group gives it
 * every partition of the topic, and the reader decides what is fetched and from
 * where. Partitions not assigned by the caller are paused; an assigned one is
 * seeked to the caller's offset and resumed. The reader keeps its own position
 * per partition and re-applies pause and seek after every (re)join, because
 * kafkajs rebuilds its offsets on a join from the committed ones (none here →
 * "latest") — without that a rejoin would skip events. Records below a
 * partition's position (a batch fetched before a seek) are dropped, so each
 * record is delivered once. eachBatch never waits, so one partition can never
 * hold the others.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type kafkajs from 'kafkajs';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type {
  AdminPort,
  ConsumedBatch,
  PartitionOffset,
  PartitionReaderOptions,
  PartitionReaderPort,
} from '../kafka-port.ts';
import { kafkaError } from './kafkajs-errors.ts';
import { consumerRetry } from './kafkajs-consumer-retry.ts';
import { consumedRecord } from './kafkajs-consumed-record.ts';

/** How long close() gives the broker to forget the private group. */
const DELETE_GROUP_TIMEOUT_MS = 3_000;

export class KafkajsPartitionReader implements PartitionReaderPort {
  private readonly consumer: Consumer;
  private readonly groupId = `kpo-reader-${randomUUID()}`;
  private readonly topic: string;
  /** Partition → next offset to deliver, for every partition the caller assigned. */
  private readonly wanted = new Map<number, bigint>();
  /** Every partition the private group gave this member (the whole topic) once joined. */
  private held: number[] = [];
  private started = false;
  private joined = false;
  private closed = false;
  private removeJoinListener: (() => void) | undefined;

  constructor(
    kafka: kafkajs.Kafka,
    options: PartitionReaderOptions,
    private readonly createAdmin: () => AdminPort,
  ) {
    this.topic = options.topic;
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      allowAutoTopicCreation: false,
      retry: consumerRetry(() => this.closed),
    });
  }

  async run(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void> {
    this.started = true;
    this.removeJoinListener = this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.held = event.payload.memberAssignment[this.topic] ?? [];
      this.joined = true;
      this.applyPositions();
    });
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topics: [this.topic], fromBeginning: false });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 1,
        eachBatch: (payload) => this.deliver(payload, onBatch),
      });
    } catch (error) {
      throw kafkaError(error, 'partition reader start failed', { topic: this.topic });
    }
  }

  assign(positions: readonly PartitionOffset[]): void {
    for (const { partition, offset } of positions) {
      this.wanted.set(partition, BigInt(offset));
      if (this.joined && !this.closed) {
        this.consumer.seek({ topic: this.topic, partition, offset });
        this.consumer.resume([{ topic: this.topic, partitions: [partition] }]);
      }
    }
  }

  unassign(partitions: readonly number[]): void {
    for (const partition of partitions) this.wanted.delete(partition);
    if (this.joined && !this.closed && partitions.length > 0) {
      this.consumer.pause([{ topic: this.topic, partitions: [...partitions] }]);
    }
  }

  positions(): readonly PartitionOffset[] {
    return [...this.wanted].map(([partition, next]) => ({
      topic: this.topic,
      partition,
      offset: next.toString(),
    }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.removeJoinListener?.();
    try {
      await this.consumer.disconnect();
    } finally {
      if (this.started) await this.deleteGroup();
    }
  }

  /** After a join: fetch only what the caller assigned, each from the caller's position. */
  private applyPositions(): void {
    if (this.closed) return;
    const idle = this.held.filter((partition) => !this.wanted.has(partition));
    if (idle.length > 0) this.consumer.pause([{ topic: this.topic, partitions: idle }]);
    for (const [partition, next] of this.wanted) {
      if (!this.held.includes(partition)) continue;
      this.consumer.seek({ topic: this.topic, partition, offset: next.toString() });
      this.consumer.resume([{ topic: this.topic, partitions: [partition] }]);
    }
  }

  private async deliver(
    payload: EachBatchPayload,
    onBatch: (batch: ConsumedBatch) => void | Promise<void>,
  ): Promise<void> {
    const { batch } = payload;
    const from = this.wanted.get(batch.partition);
    const lastMessage = batch.messages.at(-1);
    if (from === undefined || lastMessage === undefined) return;
    const records = batch.messages
      .filter((m) => BigInt(m.offset) >= from)
      .map((m) => consumedRecord(batch, m));
    payload.resolveOffset(lastMessage.offset);
    const last = records.at(-1);
    if (last === undefined) return;
    // Move the position first: an assign() while the listener runs replaces it, and wins.
    this.wanted.set(batch.partition, BigInt(last.offset) + 1n);
    try {
      await onBatch({
        topic: batch.topic,
        partition: batch.partition,
        records,
        highWatermark: batch.highWatermark,
      });
    } catch {
      // The listener must not throw; a throw loses nothing but this listener's own work.
    }
  }

  private async deleteGroup(): Promise<void> {
    const admin = this.createAdmin();
    try {
      await admin.connect();
      await Promise.race([
        admin.deleteGroups([this.groupId]),
        sleep(DELETE_GROUP_TIMEOUT_MS, undefined, { ref: false }),
      ]);
    } catch {
      // An empty group expires on its own; failing to delete it is not worth an error.
    } finally {
      await admin.close().catch(() => undefined);
    }
  }
}
