/** A kafkajs message as the port's ConsumedRecord (headers as read-only raw bytes). */
import type { Batch, IHeaders } from 'kafkajs';
import type { ConsumedRecord } from '../kafka-port.ts';

/** Shared by every record without headers (the port's headers are read-only). */
const NO_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});

function headerBytes(headers: IHeaders | undefined): Readonly<Record<string, Buffer>> {
  if (headers === undefined) return NO_HEADERS;
  let out: Record<string, Buffer> | undefined;
  for (const name in headers) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) (out ??= {})[name] = Buffer.isBuffer(value) ? value : Buffer.from(value);
  }
  return out ?? NO_HEADERS;
}

export function consumedRecord(batch: Batch, message: Batch['messages'][number]): ConsumedRecord {
  return {
    topic: batch.topic,
    partition: batch.partition,
    offset: message.offset,
    timestampMs: Number(message.timestamp),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: headerBytes(message.headers),
  };
}
