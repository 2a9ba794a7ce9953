/** A librdkafka message as the port's ConsumedRecord (headers as read-only raw bytes, offsets as strings). */
import type { ConsumedRecord } from '../kafka-port.ts';
import type { RdMessage } from './librdkafka-binding.ts';

/** Shared by every record without headers (the port's headers are read-only). */
const NO_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});

const bytes = (value: Buffer | string): Buffer => (Buffer.isBuffer(value) ? value : Buffer.from(value));

function headerBytes(headers: RdMessage['headers']): Readonly<Record<string, Buffer>> {
  if (headers === undefined || headers.length === 0) return NO_HEADERS;
  const out: Record<string, Buffer> = {};
  // librdkafka gives headers as a list of one-entry objects; a repeated name keeps its last value.
  for (const header of headers) for (const name in header) out[name] = bytes(header[name]!);
  return out;
}

export function consumedRecord(message: RdMessage): ConsumedRecord {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: String(message.offset),
    timestampMs: message.timestamp ?? 0,
    key: message.key === undefined || message.key === null ? null : bytes(message.key),
    value: message.value,
    headers: headerBytes(message.headers),
  };
}
