/** kafkajs message headers as the port's read-only raw bytes. */
import type { IHeaders } from 'kafkajs';

/** Shared by every record without headers (the port's headers are read-only). */
const NO_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({});

export function headerBytes(headers: IHeaders | undefined): Readonly<Record<string, Buffer>> {
  if (headers === undefined) return NO_HEADERS;
  let out: Record<string, Buffer> | undefined;
  for (const name in headers) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value !== undefined) (out ??= {})[name] = Buffer.isBuffer(value) ? value : Buffer.from(value);
  }
  return out ?? NO_HEADERS;
}
