/**
 * The de-dup identity headers every output carries (kpo-request-id, kpo-seq,
 * kpo-attempt, kpo-stage), built per output on the hot path: the stage name
 * and small seq/attempt numbers are encoded to Buffers once, so the producer
 * copies bytes instead of UTF-8-encoding the same strings per record.
 */
import { HEADER } from '../messages/header-names.ts';

export type IdentityHeaders = {
  readonly [HEADER.requestId]: string;
  readonly [HEADER.seq]: Buffer;
  readonly [HEADER.attempt]: Buffer;
  readonly [HEADER.producedBy]: Buffer;
};

/** Numbers below this come from a table; larger ones are encoded on demand. */
const CACHED_NUMBERS = 1_024;

const decimals: Buffer[] = Array.from({ length: CACHED_NUMBERS }, (_, n) => Buffer.from(String(n), 'latin1'));

function decimal(n: number): Buffer {
  return (Number.isInteger(n) && n >= 0 ? decimals[n] : undefined) ?? Buffer.from(String(n), 'latin1');
}

export class IdentityHeaderBuilder {
  private readonly stage: Buffer;

  constructor(stage: string) {
    this.stage = Buffer.from(stage, 'utf8');
  }

  /** A fresh object (the caller may merge into it); Buffers are shared and must not be written to. */
  build(requestId: string, seq: number, attempt: number): IdentityHeaders {
    // Literal keys (a fixed object shape is cheaper than computed keys); the type ties them to HEADER.
    return {
      'kpo-request-id': requestId,
      'kpo-seq': decimal(seq),
      'kpo-attempt': decimal(attempt),
      'kpo-stage': this.stage,
    };
  }
}
