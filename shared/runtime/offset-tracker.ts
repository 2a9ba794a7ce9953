/**
 * Which offsets of each partition are safe to commit. Records are tracked in
 * the order they were taken; a partition's commit position is the offset of
 * its oldest unfinished record, or (all finished) the last taken offset + 1.
 * Offsets need not be contiguous integers (compaction, control records).
 * A record counts as in flight from track() until it is finished AND every
 * earlier record of its partition is finished ("released").
 *
 * Offsets are tracked as numbers, not bigints (a bigint is a heap object, and
 * this runs several times per record): exact up to 2^53, which a partition
 * does not reach (at a million records/s, in 285 years).
 */
import type { PartitionOffset, TopicPartition } from '../kafka/kafka-port.ts';

class PartitionState {
  readonly entries: OffsetHandle[] = [];
  head = 0;
  active = true;
  /** Next offset this partition expects to take. */
  nextExpected: number | undefined;
  /** Commit position reached by released records. */
  position: number | undefined;
  committed: number | undefined;

  pending(): number {
    return this.entries.length - this.head;
  }

  /** Pops finished entries off the head; returns how many. */
  release(): number {
    let released = 0;
    while (this.head < this.entries.length && this.entries[this.head]!.done) {
      this.position = this.entries[this.head]!.value + 1;
      this.head += 1;
      released += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries.splice(0, this.head);
      this.head = 0;
    }
    return released;
  }
}

/** One tracked record. Completing a handle of a dropped partition is a no-op. */
export class OffsetHandle {
  /** @internal */ done = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: string,
    /** @internal */ readonly value: number,
    /** @internal */ readonly state: PartitionState,
  ) {}

  /** False once the partition was dropped (revoked): its result must not be committed. */
  get active(): boolean {
    return this.state.active;
  }
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class OffsetTracker {
  private readonly partitions = new Map<string, PartitionState>();
  private inFlightCount = 0;

  /** Records taken and not yet released, over all partitions. */
  get inFlight(): number {
    return this.inFlightCount;
  }

  /** True if this offset was already taken in the current assignment (a re-delivery to skip). */
  isTaken(topic: string, partition: number, offset: string): boolean {
    const state = this.partitions.get(keyOf(topic, partition));
    return state?.nextExpected !== undefined && Number(offset) < state.nextExpected;
  }

  /** Next offset a partition expects (undefined before its first record). */
  nextExpected(topic: string, partition: number): number | undefined {
    return this.partitions.get(keyOf(topic, partition))?.nextExpected;
  }

  track(topic: string, partition: number, offset: string): OffsetHandle {
    return this.partition(topic, partition).track(offset, Number(offset));
  }

  /**
   * One partition's tracking, for taking a whole fetched batch with one lookup
   * (valid until the partition is dropped; take() is synchronous, so a batch is).
   */
  partition(topic: string, partition: number): PartitionIntake {
    const key = keyOf(topic, partition);
    let state = this.partitions.get(key);
    if (!state) this.partitions.set(key, (state = new PartitionState()));
    return new PartitionIntake(topic, partition, state, () => (this.inFlightCount += 1));
  }

  /** Marks a record finished; returns how many records it released (0 while an earlier one is unfinished). */
  complete(handle: OffsetHandle): number {
    const { state } = handle;
    if (!state.active || handle.done) return 0;
    handle.done = true;
    const released = state.release();
    this.inFlightCount -= released;
    return released;
  }

  /** Positions that moved since their last commit. */
  commitPositions(): PartitionOffset[] {
    const out: PartitionOffset[] = [];
    for (const [key, state] of this.partitions) {
      if (state.position !== undefined && state.position !== state.committed) {
        const [topic, partition] = key.split('\u0000') as [string, string];
        out.push({ topic, partition: Number(partition), offset: state.position.toString() });
      }
    }
    return out;
  }

  markCommitted(position: PartitionOffset): void {
    const state = this.partitions.get(keyOf(position.topic, position.partition));
    if (!state) return;
    const value = Number(position.offset);
    if (state.committed === undefined || value > state.committed) state.committed = value;
  }

  /** Forgets partitions (revoked): their unreleased records leave the in-flight count and are never committed here. */
  drop(partitions: readonly TopicPartition[]): number {
    let dropped = 0;
    for (const { topic, partition } of partitions) {
      const key = keyOf(topic, partition);
      const state = this.partitions.get(key);
      if (!state) continue;
      state.active = false;
      dropped += state.pending();
      this.partitions.delete(key);
    }
    this.inFlightCount -= dropped;
    return dropped;
  }

  /** In-flight records per partition (for drain reporting and tests). */
  pendingOf(topic: string, partition: number): number {
    return this.partitions.get(keyOf(topic, partition))?.pending() ?? 0;
  }
}

/** Taking records of one partition: see OffsetTracker.partition(). */
export class PartitionIntake {
  constructor(
    private readonly topic: string,
    private readonly partitionId: number,
    private readonly state: PartitionState,
    private readonly counted: () => void,
  ) {}

  /** True if this offset was already taken in the current assignment (a re-delivery to skip). */
  isTaken(value: number): boolean {
    return this.state.nextExpected !== undefined && value < this.state.nextExpected;
  }

  /** Tracks the record at `offset` (its value as a number, parsed once by the caller). */
  track(offset: string, value: number): OffsetHandle {
    const handle = new OffsetHandle(this.topic, this.partitionId, offset, value, this.state);
    this.state.entries.push(handle);
    this.state.nextExpected = value + 1;
    this.counted();
    return handle;
  }
}
