/**
 * ≥ 10,000 random and mutated inputs through every decoder: none may crash,
 * hang or throw anything but a KpoError with a KPO_* code, and whatever
 * decodes must be a valid message (it encodes again).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { ERROR_CODES } from '../../../shared/errors/error-codes.ts';
import { MESSAGE_KINDS, MESSAGE_NAMES, type MessageKind } from '../../../shared/messages/message-schemas.ts';
import { createMessageCodecs, type MessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import type { RecordCodec } from '../../../shared/serde/record-codec.ts';
import { InMemorySchemaRegistry } from './in-memory-schema-registry.ts';
import { sampleMessages } from './sample-messages.ts';

const RANDOM_RUNS = 4_000;
const MUTATED_RUNS = 8_000;

const registry = new InMemorySchemaRegistry();
let modes: readonly MessageCodecs[];
let valid: Map<MessageKind, Buffer[]>;
const outcomes = new Map<string, number>();

before(async () => {
  const registryCodecs = await createMessageCodecs({
    schemaRegistryUrl: await registry.start(),
    maxPromptChars: 10_000,
  });
  const registryLess = await createMessageCodecs({ schemaRegistryUrl: 'none', maxPromptChars: 10_000 });
  modes = [registryCodecs, registryLess];
  valid = new Map();
  const samples = sampleMessages();
  for (const kind of MESSAGE_KINDS) {
    const codecs = modes.map((codecs) => codecs[kind] as RecordCodec<unknown>);
    valid.set(kind, await Promise.all(codecs.map((codec) => codec.encode(samples[kind]))));
  }
});

after(async () => {
  await registry.stop();
  console.log(`# decoder fuzz outcomes: ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
});

async function decodeClassified(codecs: MessageCodecs, kind: MessageKind, bytes: Buffer): Promise<void> {
  const codec = codecs[kind] as RecordCodec<unknown>;
  let decoded: unknown;
  try {
    decoded = await codec.decode(bytes);
  } catch (error) {
    assert.ok(error instanceof KpoError, `decode threw a non-KpoError: ${String(error)}`);
    assert.ok(error.code in ERROR_CODES && error.code.startsWith('KPO_'), error.code);
    outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
    return;
  }
  outcomes.set('decoded', (outcomes.get('decoded') ?? 0) + 1);
  await codec.encode(decoded); // whatever decodes is a valid message
}

const kindArbitrary = fc.constantFrom(...MESSAGE_KINDS);
const modeArbitrary = fc.constantFrom(0, 1);

test(`${RANDOM_RUNS} random byte strings, bare or behind a real header, are decoded or classified`, async () => {
  const headerArbitrary = fc.oneof(
    fc.constant('none' as const),
    fc.constant('confluent' as const),
    fc.constant('single-object' as const),
  );
  await fc.assert(
    fc.asyncProperty(
      modeArbitrary,
      kindArbitrary,
      headerArbitrary,
      fc.uint8Array({ maxLength: 256 }),
      async (mode, kind, header, body) => {
        const codecs = modes[mode] as MessageCodecs;
        const writerId = codecs.writerIds.get(MESSAGE_NAMES[kind]);
        let bytes = Buffer.from(body);
        if (header === 'confluent' && typeof writerId === 'number') {
          const head = Buffer.alloc(5);
          head.writeUInt32BE(writerId, 1);
          bytes = Buffer.concat([head, bytes]);
        } else if (header === 'single-object') {
          const fingerprint = (modes[1] as MessageCodecs).writerIds.get(MESSAGE_NAMES[kind]) as string;
          bytes = Buffer.concat([Buffer.from([0xc3, 0x01]), Buffer.from(fingerprint, 'hex'), bytes]);
        }
        await decodeClassified(codecs, kind, bytes);
      },
    ),
    { numRuns: RANDOM_RUNS, seed: 4242 },
  );
});

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly value: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'delete'; readonly at: number; readonly length: number };

const mutationArbitrary: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0xc0, 0xed),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(original: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(original);
  for (const mutation of mutations) {
    const at = bytes.length === 0 ? 0 : mutation.at % bytes.length;
    if (mutation.kind === 'flip' && bytes.length > 0) bytes[at] = (bytes[at] ?? 0) ^ (1 << mutation.bit);
    if (mutation.kind === 'set' && bytes.length > 0) bytes[at] = mutation.value;
    if (mutation.kind === 'truncate') bytes = bytes.subarray(0, at);
    if (mutation.kind === 'insert')
      bytes = Buffer.concat([bytes.subarray(0, at), mutation.bytes, bytes.subarray(at)]);
    if (mutation.kind === 'delete')
      bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + mutation.length)]);
  }
  return bytes;
}

test(`${MUTATED_RUNS} mutated valid records (bit flips, bad bytes, cuts, inserts, deletes) are decoded or classified`, async () => {
  await fc.assert(
    fc.asyncProperty(
      modeArbitrary,
      kindArbitrary,
      fc.array(mutationArbitrary, { minLength: 1, maxLength: 4 }),
      async (mode, kind, mutations) => {
        const original = valid.get(kind)?.[mode];
        assert.ok(original);
        await decodeClassified(modes[mode] as MessageCodecs, kind, mutate(original, mutations));
      },
    ),
    { numRuns: MUTATED_RUNS, seed: 2424 },
  );
  const total = [...outcomes.values()].reduce((sum, count) => sum + count, 0);
  assert.ok(total >= RANDOM_RUNS + MUTATED_RUNS, `only ${total} inputs were classified`);
});
