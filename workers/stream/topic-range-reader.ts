/**
 * Reads offset ranges of one topic's partitions on demand, one range at a
 * time, over one partition reader kept open (started on first use).
 *
 * A batch fetched for an earlier position can arrive after a new range was
 * assigned; its records start past where this read is, so the read asks again
 * from its own position instead of taking the jump (pipeline topics have no
 * offset gaps: no compaction, no transactions).
 */
import { KpoError } from '../../shared/errors/kpo-error.ts';
import type {
  ConsumedBatch,
  ConsumedRecord,
  KafkaClientPort,
  PartitionReaderPort,
} from '../../shared/kafka/kafka-port.ts';

interface RangeRead {
  readonly partition: number;
  /** Next offset this read needs. */
  next: bigint;
  readonly end: bigint;
  readonly records: ConsumedRecord[];
  done: () => void;
}

export class TopicRangeReader {
  private reader: PartitionReaderPort | undefined;
  private started: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private current: RangeRead | undefined;

  constructor(
    private readonly kafka: KafkaClientPort,
    private readonly topic: string,
  ) {}

  /** Runs work after any work already queued on this reader (one range read at a time). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Records of [start, end) of the partition, in offset order. Call inside exclusive(). */
  async read(partition: number, start: bigint, end: bigint, timeoutMs: number): Promise<ConsumedRecord[]> {
    if (start >= end) return [];
    const reader = await this.startedReader();
    let timer: NodeJS.Timeout | undefined;
    const read: RangeRead = { partition, next: start, end, records: [], done: () => undefined };
    try {
      await new Promise<void>((resolve, reject) => {
        read.done = resolve;
        timer = setTimeout(
          () =>
            reject(
              new KpoError('KPO_TIMEOUT', `reading offsets ${start}..${end} took over ${timeoutMs} ms`, {
                retryable: true,
                context: { topic: this.topic, partition },
              }),
            ),
          timeoutMs,
        );
        this.current = read;
        reader.assign([{ topic: this.topic, partition, offset: String(start) }]);
      });
      return read.records;
    } finally {
      clearTimeout(timer);
      this.current = undefined;
      reader.unassign([partition]);
    }
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = undefined;
    this.started = undefined;
    await reader?.close();
  }

  /** The reader, started; one that failed to start is replaced on the next read. */
  private async startedReader(): Promise<PartitionReaderPort> {
    let reader = this.reader;
    if (reader === undefined) {
      const created =
        (reader =
        this.reader =
          this.kafka.createPartitionReader({ topic: this.topic, maxWaitTimeMs: 50 }));
      this.started = created.run((batch) => this.onBatch(created, batch));
    }
    try {
      await this.started;
    } catch (error) {
      await this.close().catch(() => undefined);
      throw error;
    }
    return reader;
  }

  private onBatch(reader: PartitionReaderPort, batch: ConsumedBatch): void {
    const read = this.current;
    const first = batch.records[0];
    if (read === undefined || batch.partition !== read.partition || first === undefined) return;
    if (BigInt(first.offset) > read.next) {
      reader.assign([{ topic: this.topic, partition: read.partition, offset: String(read.next) }]);
      return;
    }
    for (const record of batch.records) {
      const offset = BigInt(record.offset);
      if (offset < read.next) continue;
      if (offset >= read.end) break;
      read.records.push(record);
      read.next = offset + 1n;
    }
    if (read.next >= read.end) read.done();
  }
}
