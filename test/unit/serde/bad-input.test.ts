import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import {
  loadMessageSchemas,
  MESSAGE_NAMES,
  type MessageName,
} from '../../../shared/messages/message-schemas.ts';
import { createMessageCodecs, type MessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { frameConfluent } from '../../../shared/serde/confluent-wire-format.ts';
import { frameSingleObject } from '../../../shared/serde/single-object-encoding.ts';
import { rejectsWithKpoError } from './assert-kpo-error.ts';
import { InMemorySchemaRegistry } from './in-memory-schema-registry.ts';
import { sampleMessages, samplePromptRequest } from './sample-messages.ts';
import type { PromptRequest } from '../../../shared/messages/types.ts';

const schemas = loadMessageSchemas();
const typeOf = (name: MessageName): avro.Type => avro.Type.forSchema(schemas.get(name) as avro.Schema);
const promptRequestType = typeOf(MESSAGE_NAMES.promptRequest);
const registry = new InMemorySchemaRegistry();
let codecs: MessageCodecs;
let registryCodecs: MessageCodecs;

before(async () => {
  codecs = await createMessageCodecs({
    schemaRegistryUrl: 'none',
    maxPromptChars: 1_000,
    maxMessageBytes: 8_192,
  });
  registryCodecs = await createMessageCodecs({
    schemaRegistryUrl: await registry.start(),
    maxPromptChars: 1_000,
  });
});
after(() => registry.stop());

/** A body framed for registry-less decoding, bypassing the encoder's checks. */
function framed(name: MessageName, body: Buffer): Buffer {
  return frameSingleObject(Buffer.from(codecs.writerIds.get(name) as string, 'hex'), body);
}

function rawPromptRequest(overrides: Parameters<typeof samplePromptRequest>[0]): Buffer {
  return framed(MESSAGE_NAMES.promptRequest, promptRequestType.toBuffer(samplePromptRequest(overrides)));
}

/** Replaces the first occurrence of `marker` in the encoding with `bytes` of the same length. */
function withBytes(value: Buffer, marker: string, bytes: readonly number[]): Buffer {
  const at = value.indexOf(Buffer.from(marker));
  assert.ok(at > 0 && bytes.length === Buffer.byteLength(marker));
  const copy = Buffer.from(value);
  copy.set(bytes, at);
  return copy;
}

describe('bytes not in the wire format', () => {
  for (const [what, bytes] of [
    ['empty', Buffer.alloc(0)],
    ['JSON text', Buffer.from('{"requestId":"r"}')],
    ['a Confluent header cut short', Buffer.from([0, 0, 1])],
    ['a single-object header cut short', Buffer.from([0xc3, 0x01, 1, 2, 3])],
  ] as const) {
    test(`${what} → KPO_DECODE_WIRE_FORMAT`, async () => {
      await rejectsWithKpoError(codecs.promptRequest.decode(bytes), 'KPO_DECODE_WIRE_FORMAT');
      await rejectsWithKpoError(registryCodecs.promptRequest.decode(bytes), 'KPO_DECODE_WIRE_FORMAT');
    });
  }
});

describe('unknown writer schemas', () => {
  test('a fingerprint no known schema has → KPO_DECODE_UNKNOWN_SCHEMA', async () => {
    const bytes = frameSingleObject(Buffer.alloc(8, 7), promptRequestType.toBuffer(samplePromptRequest()));
    await rejectsWithKpoError(codecs.promptRequest.decode(bytes), 'KPO_DECODE_UNKNOWN_SCHEMA');
  });

  test('a registry id the registry does not know → KPO_DECODE_UNKNOWN_SCHEMA, asked once then remembered', async () => {
    const bytes = frameConfluent(999_999, Buffer.from([2, 0x61]));
    await rejectsWithKpoError(registryCodecs.promptRequest.decode(bytes), 'KPO_DECODE_UNKNOWN_SCHEMA');
    const before = registry.requests;
    await rejectsWithKpoError(registryCodecs.promptRequest.decode(bytes), 'KPO_DECODE_UNKNOWN_SCHEMA');
    assert.equal(registry.requests, before);
  });

  test('a Confluent-framed record in registry-less mode → KPO_DECODE_UNKNOWN_SCHEMA', async () => {
    const bytes = await registryCodecs.cancel.encode(sampleMessages().cancel);
    const error = await rejectsWithKpoError(codecs.cancel.decode(bytes), 'KPO_DECODE_UNKNOWN_SCHEMA');
    assert.match(error.message, /no schema registry is configured/);
  });

  test('a registered schema of another record that does not resolve → KPO_DECODE_UNKNOWN_SCHEMA', async () => {
    const id = registry.add('other-value', {
      type: 'record',
      name: 'x.Other',
      fields: [{ name: 'n', type: 'int' }],
    });
    const bytes = frameConfluent(id, Buffer.from([2]));
    const error = await rejectsWithKpoError(registryCodecs.cancel.decode(bytes), 'KPO_DECODE_UNKNOWN_SCHEMA');
    assert.match(error.message, /cannot be read as kpo\.v1\.Cancel/);
  });

  test('a schema id written by another producer decodes when it resolves to ours (missing fields get defaults)', async () => {
    const older = {
      type: 'record',
      name: 'Cancel',
      namespace: 'kpo.v1',
      fields: [
        { name: 'requestId', type: 'string' },
        { name: 'sessionId', type: 'string' },
        { name: 'requestedAtMs', type: 'long' },
        { name: 'origin', type: 'string', default: 'python' },
      ],
    };
    const id = registry.add('llm.cancel-value', older);
    const body = avro.Type.forSchema(older as avro.Schema).toBuffer({
      requestId: 'r9',
      sessionId: 's9',
      requestedAtMs: 5,
      origin: 'cli',
    });
    const decoded = await registryCodecs.cancel.decode(frameConfluent(id, body));
    assert.deepStrictEqual(decoded, { requestId: 'r9', sessionId: 's9', reason: '', requestedAtMs: 5 });
  });
});

describe('bodies that do not match their schema → KPO_DECODE_BODY naming the field', () => {
  const good = (): Buffer => promptRequestType.toBuffer(samplePromptRequest());

  test('a truncated body', async () => {
    const body = good();
    const error = await rejectsWithKpoError(
      codecs.promptRequest.decode(framed(MESSAGE_NAMES.promptRequest, body.subarray(0, body.length - 3))),
      'KPO_DECODE_BODY',
    );
    assert.equal(error.context.field, 'createdAtMs');
  });

  test('trailing bytes after the value', async () => {
    const body = Buffer.concat([good(), Buffer.from([1, 2])]);
    await rejectsWithKpoError(
      codecs.promptRequest.decode(framed(MESSAGE_NAMES.promptRequest, body)),
      'KPO_DECODE_BODY',
      '(root)',
    );
  });

  test('an array block count far beyond the bytes left fails at once instead of looping', async () => {
    // requestId "r", sessionId "s", tenant "", then messages: a block of 2^40 items.
    const count = avro.Type.forSchema('long').toBuffer(2 ** 40);
    const body = Buffer.concat([Buffer.from([2, 0x72, 2, 0x73, 0]), count, Buffer.from([0])]);
    await rejectsWithKpoError(
      codecs.promptRequest.decode(framed(MESSAGE_NAMES.promptRequest, body)),
      'KPO_DECODE_BODY',
      'messages',
    );
  });

  test('an enum index past the symbols', async () => {
    const body = withBytes(good(), '\u0000\u001cYou', [0x7e, 0x1c, 0x59, 0x6f, 0x75]);
    await rejectsWithKpoError(
      codecs.promptRequest.decode(framed(MESSAGE_NAMES.promptRequest, body)),
      'KPO_DECODE_BODY',
      'messages[0].role',
    );
  });

  test('a string length past the end of the body', async () => {
    const body = Buffer.from([0x7e, 0x72]);
    await rejectsWithKpoError(
      codecs.promptRequest.decode(framed(MESSAGE_NAMES.promptRequest, body)),
      'KPO_DECODE_BODY',
      'requestId',
    );
  });
});

describe('invalid UTF-8 → KPO_INVALID_UTF8 naming the field', () => {
  test('in a chat message', async () => {
    const bytes = withBytes(
      rawPromptRequest({ messages: [{ role: 'user', content: 'ok BAD!' }] }),
      'BAD!',
      [0xff, 0xfe, 0x80, 0x41],
    );
    await rejectsWithKpoError(codecs.promptRequest.decode(bytes), 'KPO_INVALID_UTF8', 'messages[0].content');
  });

  test('an overlong encoding and a UTF-16 surrogate encoded as UTF-8 are refused too', async () => {
    for (const bad of [
      [0xc0, 0xaf, 0x41, 0x41],
      [0xed, 0xa0, 0x80, 0x41],
    ]) {
      const bytes = withBytes(rawPromptRequest({ requestId: 'r-BAD!' }), 'BAD!', bad);
      await rejectsWithKpoError(codecs.promptRequest.decode(bytes), 'KPO_INVALID_UTF8', 'requestId');
    }
  });

  test('in a map key and in a map value', async () => {
    const key = withBytes(rawPromptRequest({ metadata: { KEY1: 'v' } }), 'KEY1', [0x4b, 0xff, 0x59, 0x31]);
    await rejectsWithKpoError(codecs.promptRequest.decode(key), 'KPO_INVALID_UTF8', 'metadata.<key 0>');
    const value = withBytes(rawPromptRequest({ metadata: { k: 'VAL1' } }), 'VAL1', [0x56, 0xff, 0x4c, 0x31]);
    await rejectsWithKpoError(codecs.promptRequest.decode(value), 'KPO_INVALID_UTF8', 'metadata.k');
  });

  test('inside the request a RetrievalResult carries', async () => {
    const type = typeOf(MESSAGE_NAMES.retrievalResult);
    const message = {
      ...sampleMessages().retrievalResult,
      request: samplePromptRequest({ sessionId: 'sBAD!' }),
    };
    const bytes = withBytes(
      framed(MESSAGE_NAMES.retrievalResult, type.toBuffer(message)),
      'BAD!',
      [0x80, 0x80, 0x80, 0x80],
    );
    await rejectsWithKpoError(codecs.retrievalResult.decode(bytes), 'KPO_INVALID_UTF8', 'request.sessionId');
  });

  test('a genuine U+FFFD in a string is valid and kept, and bytes fields may hold anything', async () => {
    const message = samplePromptRequest({ messages: [{ role: 'user', content: 'replacement: \uFFFD' }] });
    assert.deepStrictEqual(
      await codecs.promptRequest.decode(await codecs.promptRequest.encode(message)),
      message,
    );
    const letter = {
      ...sampleMessages().deadLetter,
      originalValue: Buffer.from([0xff, 0xc0, 0xed, 0xa0, 0x80]),
    };
    assert.deepStrictEqual(await codecs.deadLetter.decode(await codecs.deadLetter.encode(letter)), letter);
  });

  test('encoding a string with a lone surrogate (which UTF-8 cannot carry) is refused', async () => {
    const message = samplePromptRequest({ messages: [{ role: 'user', content: 'half \uD83D emoji' }] });
    await rejectsWithKpoError(
      codecs.promptRequest.encode(message),
      'KPO_INVALID_UTF8',
      'messages[0].content',
    );
  });
});

describe('records that break a rule → KPO_VALIDATION / KPO_TOO_LARGE, on decode and on encode', () => {
  const cases: readonly (readonly [
    string,
    Partial<PromptRequest>,
    'KPO_VALIDATION' | 'KPO_TOO_LARGE',
    string,
  ])[] = [
    ['an empty session ID', { sessionId: '' }, 'KPO_VALIDATION', 'sessionId'],
    ['a blank session ID', { sessionId: '   ' }, 'KPO_VALIDATION', 'sessionId'],
    ['an empty request ID', { requestId: '' }, 'KPO_VALIDATION', 'requestId'],
    ['no messages', { messages: [] }, 'KPO_VALIDATION', 'messages'],
    [
      'a prompt over maxPromptChars',
      { messages: [{ role: 'user', content: 'x'.repeat(1_001) }] },
      'KPO_TOO_LARGE',
      'messages',
    ],
  ];
  for (const [what, overrides, code, field] of cases) {
    test(`a PromptRequest with ${what} → ${code} on ${field}`, async () => {
      await rejectsWithKpoError(codecs.promptRequest.decode(rawPromptRequest(overrides)), code, field);
      await rejectsWithKpoError(codecs.promptRequest.encode(samplePromptRequest(overrides)), code, field);
    });
  }

  test('the error context carries the request and session IDs when they are known', async () => {
    const error = await rejectsWithKpoError(
      codecs.promptRequest.decode(rawPromptRequest({ messages: [] })),
      'KPO_VALIDATION',
    );
    assert.equal(error.context.requestId, 'req-1');
    assert.equal(error.context.sessionId, 'session-1');
    assert.equal(error.retryable, false);
  });

  test('the request inside a RetrievalResult is held to the same rules', async () => {
    const message = { ...sampleMessages().retrievalResult, request: samplePromptRequest({ sessionId: '' }) };
    await rejectsWithKpoError(codecs.retrievalResult.encode(message), 'KPO_VALIDATION', 'request.sessionId');
  });

  test('a token chunk seq below 0 is refused, except -1 on a final (out-of-band terminal) chunk', async () => {
    const samples = sampleMessages();
    await rejectsWithKpoError(
      codecs.tokenChunk.encode({ ...samples.tokenChunk, seq: -2 }),
      'KPO_VALIDATION',
      'seq',
    );
    await rejectsWithKpoError(
      codecs.tokenChunk.encode({ ...samples.tokenChunk, seq: -1, final: false }),
      'KPO_VALIDATION',
      'seq',
    );
    const terminal = { ...samples.tokenChunk, seq: -1, final: true };
    assert.equal((await codecs.tokenChunk.decode(await codecs.tokenChunk.encode(terminal))).seq, -1);
  });

  test('token chunks, client events and cancels need their IDs; dead letters need stage and code', async () => {
    const samples = sampleMessages();
    await rejectsWithKpoError(
      codecs.tokenChunk.encode({ ...samples.tokenChunk, sessionId: '' }),
      'KPO_VALIDATION',
      'sessionId',
    );
    await rejectsWithKpoError(
      codecs.clientEvent.encode({ ...samples.clientEvent, requestId: '' }),
      'KPO_VALIDATION',
      'requestId',
    );
    await rejectsWithKpoError(
      codecs.cancel.encode({ ...samples.cancel, sessionId: '' }),
      'KPO_VALIDATION',
      'sessionId',
    );
    await rejectsWithKpoError(
      codecs.deadLetter.encode({ ...samples.deadLetter, errorCode: '' }),
      'KPO_VALIDATION',
      'errorCode',
    );
  });
});

describe('size and schema mismatches on encode', () => {
  test('an encoded record over maxMessageBytes → KPO_TOO_LARGE naming its size and the limit', async () => {
    const documents = Array.from({ length: 20 }, (_, i) => ({
      id: `d${i}`,
      score: 1,
      text: 'y'.repeat(500),
      source: 's',
    }));
    const error = await rejectsWithKpoError(
      codecs.retrievalResult.encode({ ...sampleMessages().retrievalResult, documents }),
      'KPO_TOO_LARGE',
    );
    assert.match(error.message, /is \d+ bytes, over the 8192-byte message limit/);
  });

  test('a record over maxMessageBytes is refused on decode too', async () => {
    const big = await registryCodecs.tokenChunk.encode({
      ...sampleMessages().tokenChunk,
      text: 'z'.repeat(9_000),
    });
    const small = await createMessageCodecs({ schemaRegistryUrl: 'none', maxMessageBytes: 8_192 });
    await rejectsWithKpoError(small.tokenChunk.decode(big), 'KPO_TOO_LARGE');
  });

  test('a field of the wrong type → KPO_ENCODE naming the field', async () => {
    const message = {
      ...sampleMessages().tokenChunk,
      seq: 'three',
    } as unknown as MessageCodecs['tokenChunk'] extends {
      encode(m: infer M): unknown;
    }
      ? M
      : never;
    await rejectsWithKpoError(codecs.tokenChunk.encode(message), 'KPO_ENCODE', 'seq');
  });

  test('an unknown enum symbol → KPO_ENCODE naming the field', async () => {
    const message = { ...sampleMessages().clientEvent, type: 'finished' as 'done' };
    await rejectsWithKpoError(codecs.clientEvent.encode(message), 'KPO_ENCODE', 'type');
  });
});

describe('the registry failing', () => {
  test('an unreachable registry at start → KPO_REGISTRY, retryable', async () => {
    const dead = new InMemorySchemaRegistry();
    const url = await dead.start();
    await dead.stop();
    const error = await rejectsWithKpoError(
      createMessageCodecs({ schemaRegistryUrl: url, registryRequestRetries: 0 }),
      'KPO_REGISTRY',
    );
    assert.equal(error.retryable, true);
  });

  test('autoRegister false and a registry without our schemas → KPO_REGISTRY at start', async () => {
    const empty = new InMemorySchemaRegistry();
    try {
      await rejectsWithKpoError(
        createMessageCodecs({ schemaRegistryUrl: await empty.start(), autoRegister: false }),
        'KPO_REGISTRY',
      );
    } finally {
      await empty.stop();
    }
  });
});

test('options that make no sense are refused up front', async () => {
  await rejectsWithKpoError(
    createMessageCodecs({ maxMessageBytes: 0 }),
    'KPO_CONFIG_INVALID',
    'maxMessageBytes',
  );
});
