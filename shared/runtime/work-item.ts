/** One taken record on its way through the worker. */
import type { ConsumedRecord } from '../kafka/kafka-port.ts';
import type { OffsetHandle } from './offset-tracker.ts';
import type { SourceRecord } from './stage-handler.ts';

export interface WorkItem {
  readonly raw: ConsumedRecord;
  readonly source: SourceRecord;
  readonly handle: OffsetHandle;
  /** Admission refused it when it was taken (backlog over the limit). */
  readonly rejected: boolean;
}

/**
 * The handler's view of a record. Header strings and the key string are made
 * on first read: most records are never asked for them.
 */
class LazySourceRecord implements SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestampMs: number;
  private keyText: string | null | undefined;
  private headerText: Readonly<Record<string, string>> | undefined;

  constructor(private readonly raw: ConsumedRecord) {
    this.topic = raw.topic;
    this.partition = raw.partition;
    this.offset = raw.offset;
    this.timestampMs = raw.timestampMs;
  }

  get key(): string | null {
    if (this.keyText === undefined)
      this.keyText = this.raw.key === null ? null : this.raw.key.toString('utf8');
    return this.keyText;
  }

  get headers(): Readonly<Record<string, string>> {
    if (this.headerText === undefined) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(this.raw.headers)) headers[name] = value.toString('utf8');
      this.headerText = headers;
    }
    return this.headerText;
  }

  /** Plain fields for spreads and JSON (getters on a prototype would be left out). */
  toJSON(): SourceRecord {
    const { topic, partition, offset, timestampMs, key, headers } = this;
    return { topic, partition, offset, timestampMs, key, headers };
  }
}

/** The WorkItem the intake makes: its SourceRecord is made on first read (no instrumentation, no handler reading it: never). */
export class TakenRecord implements WorkItem {
  private sourceRecord: SourceRecord | undefined;

  constructor(
    readonly raw: ConsumedRecord,
    readonly handle: OffsetHandle,
    readonly rejected: boolean,
  ) {}

  get source(): SourceRecord {
    return (this.sourceRecord ??= new LazySourceRecord(this.raw));
  }
}
