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

export function toSourceRecord(raw: ConsumedRecord): SourceRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw.headers)) headers[name] = value.toString('utf8');
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestampMs: raw.timestampMs,
    key: raw.key === null ? null : raw.key.toString('utf8'),
    headers,
  };
}
