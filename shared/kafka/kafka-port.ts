/**
 * The Kafka port the project owns. Stage code and the worker runtime talk to
 * Kafka only through these interfaces; an adapter (shared/kafka/kafkajs/…)
 * maps them onto one client library. A second adapter must pass the contract
 * suite in test/integration/kafka/ unchanged.
 */
import type { KpoError } from '../errors/kpo-error.ts';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A position to commit: `offset` is the NEXT offset to read (last processed + 1), as Kafka expects. */
export interface PartitionOffset extends TopicPartition {
  readonly offset: string;
}

export interface ConsumedRecord extends TopicPartition {
  readonly offset: string;
  /** Broker (or producer) timestamp, epoch ms. */
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Header values as raw bytes; a header repeated on the wire keeps its last value. */
  readonly headers: Readonly<Record<string, Buffer>>;
}

export interface ConsumedBatch extends TopicPartition {
  /** Records of one partition in offset order (offsets may have gaps: compaction, control records). */
  readonly records: readonly ConsumedRecord[];
  /** The partition's high watermark when fetched (offset of the next record to be written). */
  readonly highWatermark: string;
}

export interface AssignmentChange {
  /** Partitions this member gained. */
  readonly assigned: readonly TopicPartition[];
  /** Partitions this member lost. */
  readonly revoked: readonly TopicPartition[];
  /** The whole assignment after the change. */
  readonly current: readonly TopicPartition[];
}

export interface BatchListener {
  /**
   * A fetched batch. Returns how many records, counted from the start of
   * batch.records, the listener TOOK. Taken records are never delivered again
   * while the partition stays assigned; records not taken are delivered again
   * by a later fetch (after resume()). After an assignment change a partition
   * is fetched again from its committed offset, so a listener must skip
   * offsets it already holds. Must not throw (a throw counts as 0 taken).
   */
  onBatch(batch: ConsumedBatch): number | Promise<number>;
  /** Called before any batch of the new assignment is delivered. A partition gained is not paused, whatever it was before. */
  onAssignmentChange?(change: AssignmentChange): void;
  /** The group started rebalancing: a last chance to commit with the current generation. */
  onRebalancing?(): void;
  /** The client gave up (it will not fetch again). */
  onCrash?(error: KpoError): void;
}

export interface ConsumerOptions {
  readonly groupId: string;
  /** Default 30000 ms. */
  readonly sessionTimeoutMs?: number;
  /** Default 3000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** How long the group waits for members to rejoin. Default 60000 ms. */
  readonly rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for data (also the idle sleep while everything is paused). Default 500 ms. */
  readonly maxWaitTimeMs?: number;
  /** Bytes per partition per fetch (bounds memory per fetch). Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
}

export interface ConsumerPort {
  /** Connects and subscribes. No committed offset → start from the earliest record when fromBeginning (default true). */
  subscribe(topics: readonly string[], options?: { readonly fromBeginning?: boolean }): Promise<void>;
  /** Joins the group and starts delivering batches; resolves once the first join completed. */
  run(listener: BatchListener): Promise<void>;
  /** Stops fetching these partitions; membership (heartbeats) stays alive. Idempotent. */
  pause(partitions: readonly TopicPartition[]): void;
  resume(partitions: readonly TopicPartition[]): void;
  /** Currently assigned partitions. */
  assignment(): readonly TopicPartition[];
  /** Commits positions with the current group generation. Rejects with a KpoError (KPO_KAFKA) on failure. */
  commit(offsets: readonly PartitionOffset[]): Promise<void>;
  /** Lag per assigned partition as last learned from a fetch: high watermark − next offset to take. */
  lag(): readonly (TopicPartition & { readonly lag: number })[];
  /** Stops fetching, leaves the group, disconnects. Idempotent. */
  close(): Promise<void>;
}

/**
 * Reads chosen partitions of one topic from offsets the CALLER chooses and
 * keeps (manual assignment): no group decides what it reads or from where, and
 * nothing is committed. Nothing a rejoin, a reconnect or another member does
 * moves its positions. For readers that know what they want, like a client
 * following its own sessions.
 */
export interface PartitionReaderOptions {
  readonly topic: string;
  /** Longest a fetch waits for data (also the idle sleep while nothing is assigned). Default 100 ms. */
  readonly maxWaitTimeMs?: number;
  /** Bytes per partition per fetch. Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
}

export interface PartitionReaderPort {
  /**
   * Connects and starts delivering batches; resolves once reading can begin.
   * Each batch holds records of one assigned partition, from its position on,
   * in offset order, each record once; the position moves past every delivered
   * record. Records of partitions not assigned are never delivered.
   */
  run(onBatch: (batch: ConsumedBatch) => void | Promise<void>): Promise<void>;
  /** Reads these partitions from these offsets (the next offset to read), replacing any earlier position. */
  assign(positions: readonly PartitionOffset[]): void;
  /** Stops reading these partitions (their positions are forgotten). */
  unassign(partitions: readonly number[]): void;
  /** Partitions being read, with the next offset to deliver. */
  positions(): readonly PartitionOffset[];
  /** Stops reading and disconnects. Idempotent. */
  close(): Promise<void>;
}

export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Explicit partition; default: the murmur2 partitioner over the key (same as the Java client). */
  readonly partition?: number;
}

export interface ProducerPort {
  connect(): Promise<void>;
  /** Sends records (any topics) as one request per topic set: idempotent, acks=all. Resolves once all are acknowledged. */
  send(records: readonly OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** Default: the cluster's default.replication.factor. */
  readonly replicationFactor?: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface PartitionWatermarks {
  readonly partition: number;
  /** Earliest available offset. */
  readonly low: string;
  /** Offset of the next record to be written. */
  readonly high: string;
}

export interface AdminPort {
  connect(): Promise<void>;
  /** Creates missing topics and waits for leaders; existing topics are left as they are. */
  createTopics(topics: readonly TopicSpec[]): Promise<void>;
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Names of every topic on the cluster (cheap; lets callers avoid describing topics that do not exist). */
  listTopics(): Promise<readonly string[]>;
  /** Partition ids of a topic, ascending. */
  describeTopic(topic: string): Promise<{ readonly topic: string; readonly partitions: readonly number[] }>;
  topicOffsets(topic: string): Promise<readonly PartitionWatermarks[]>;
  /** Committed offsets of a group on a topic (-1 = none). */
  groupOffsets(groupId: string, topic: string): Promise<readonly PartitionOffset[]>;
  deleteGroups(groupIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/** Entry point of an adapter: one per process, creates the three kinds of clients. */
export interface KafkaClientPort {
  createConsumer(options: ConsumerOptions): ConsumerPort;
  createPartitionReader(options: PartitionReaderOptions): PartitionReaderPort;
  createProducer(): ProducerPort;
  createAdmin(): AdminPort;
}
