/**
 * PartitionReaderPort over librdkafka's consumer with manual assignment: no
 * group membership, nothing committed, positions owned by the caller.
 * assign() and unassign() change librdkafka's assignment incrementally, so
 * the other partitions keep their prefetched records. A record fetched before
 * its partition was assigned again (a consume() in flight across assign())
 * is dropped by the partition's epoch; librdkafka fetches from the new
 * position anyway.
 */
import { randomUUID } from 'node:crypto';
import type {
  ConsumedBatch,
  PartitionOffset,
  PartitionReaderOptions,
  PartitionReaderPort,
} from '../kafka-port.ts';
import { rdCall } from './confluent-errors.ts';
import { consumedRecord } from './confluent-consumed-record.ts';
import { FetchLoopWaker } from './fetch-loop-waker.ts';
import type {
  LibrdkafkaBinding,
  LibrdkafkaConfig,
  RdKafkaConsumer,
  RdMessage,
} from './librdkafka-binding.ts';

const CONSUME_BATCH = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;

interface Wanted {
  /** Next offset to deliver. */
  next: bigint;
  /** Bumped by every assign() of the partition. */
  readonly epoch: number;
}

export class ConfluentPartitionReader implements PartitionReaderPort {
  private readonly consumer: RdKafkaConsumer;
  private readonly topic: string;
  private readonly maxWaitTimeMs: number;
  private readonly wanted = new Map<number, Wanted>();
  private epochs = 0;
  private connected = false;
  private closed = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new FetchLoopWaker();

  constructor(rd: LibrdkafkaBinding, common: LibrdkafkaConfig, options: PartitionReaderOptions) {
    this.topic = options.topic;
    this.maxWaitTimeMs = options.maxWaitTimeMs ?? 100;
    this.consumer = new rd.KafkaConsumer(
      {
        ...common,
        // librdkafka wants a group id even for a consumer that never joins or commits.
        'group.id': `kpo-reader-${randomUUID()}`,
        'enable.auto.commit': false,
        'enable.auto.offset.store': false,
        'fetch.wait.max.ms': this.maxWaitTimeMs,
        'max.partition.fetch.bytes': options.maxBytesPerPartition ?? 1_048_576,
        'queued.max.messages.kbytes': 16_384,
        queue_non_empty_cb: () => this.waker.wake(),
      },
      {},
    );
    this.consumer.on('event.error', () => undefined); // transient broker errors: librdkafka reconnects
  }

  async run(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void> {
    await rdCall('partition reader start failed', { topic: this.topic }, (done) =>
      this.consumer.connect({ timeout: CONNECT_TIMEOUT_MS }, done),
    );
    this.consumer.setDefaultConsumeTimeout(0);
    this.consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
    this.connected = true;
    const current = [...this.wanted];
    if (current.length > 0) {
      this.consumer.incrementalAssign(
        current.map(([partition, w]) => ({ topic: this.topic, partition, offset: Number(w.next) })),
      );
    }
    this.loop = this.fetchLoop(onBatch);
  }

  assign(positions: readonly PartitionOffset[]): void {
    for (const { partition, offset } of positions) {
      const again = this.wanted.has(partition);
      this.wanted.set(partition, { next: BigInt(offset), epoch: ++this.epochs });
      if (!this.connected || this.closed) continue;
      if (again) this.consumer.incrementalUnassign([{ topic: this.topic, partition }]);
      this.consumer.incrementalAssign([{ topic: this.topic, partition, offset: Number(offset) }]);
    }
    this.waker.wake();
  }

  unassign(partitions: readonly number[]): void {
    const held = partitions.filter((partition) => this.wanted.delete(partition));
    if (!this.connected || this.closed || held.length === 0) return;
    this.consumer.incrementalUnassign(held.map((partition) => ({ topic: this.topic, partition })));
  }

  positions(): readonly PartitionOffset[] {
    return [...this.wanted].map(([partition, w]) => ({
      topic: this.topic,
      partition,
      offset: w.next.toString(),
    }));
  }

  private async fetchLoop(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void> {
    while (!this.closed) {
      const epochs = new Map([...this.wanted].map(([partition, w]) => [partition, w.epoch]));
      const messages = await new Promise<RdMessage[]>((resolve) =>
        this.consumer.consume(CONSUME_BATCH, (error, batch) => resolve(error ? [] : batch)),
      );
      for (const [partition, records] of byPartition(messages)) {
        const w = this.wanted.get(partition);
        if (!w || w.epoch !== epochs.get(partition)) continue; // unassigned or assigned again meanwhile
        const fresh = records.filter((m) => BigInt(m.offset) >= w.next);
        const last = fresh.at(-1);
        if (!last) continue;
        // Move the position first: an assign() while the listener runs replaces it, and wins.
        w.next = BigInt(last.offset) + 1n;
        try {
          await onBatch({
            topic: this.topic,
            partition,
            records: fresh.map(consumedRecord),
            highWatermark: this.highWatermark(partition, w.next),
          });
        } catch {
          // The listener must not throw; a throw loses nothing but this listener's own work.
        }
      }
      if (messages.length === 0) await this.waker.idle(this.maxWaitTimeMs);
    }
  }

  private highWatermark(partition: number, next: bigint): string {
    try {
      return String(this.consumer.getWatermarkOffsets(this.topic, partition).highOffset);
    } catch {
      return next.toString();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waker.wake();
    await this.loop;
    if (!this.connected) return;
    await rdCall('partition reader close failed', { topic: this.topic }, (done) =>
      this.consumer.disconnect(done),
    );
  }
}

function byPartition(messages: readonly RdMessage[]): Map<number, RdMessage[]> {
  const out = new Map<number, RdMessage[]>();
  for (const message of messages) {
    const list = out.get(message.partition);
    if (list) list.push(message);
    else out.set(message.partition, [message]);
  }
  return out;
}
