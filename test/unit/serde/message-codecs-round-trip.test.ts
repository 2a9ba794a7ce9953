import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MESSAGE_KINDS, MESSAGE_NAMES } from '../../../shared/messages/message-schemas.ts';
import { createMessageCodecs, type MessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import type { RecordCodec } from '../../../shared/serde/record-codec.ts';
import { InMemorySchemaRegistry } from './in-memory-schema-registry.ts';
import { sampleMessages } from './sample-messages.ts';

const registry = new InMemorySchemaRegistry();
let registryCodecs: MessageCodecs;
let registryLessCodecs: MessageCodecs;

before(async () => {
  registryCodecs = await createMessageCodecs({ schemaRegistryUrl: await registry.start() });
  registryLessCodecs = await createMessageCodecs({ schemaRegistryUrl: 'none' });
});
after(() => registry.stop());

function codecOf(codecs: MessageCodecs, kind: (typeof MESSAGE_KINDS)[number]): RecordCodec<unknown> {
  return codecs[kind];
}

describe('registry mode (Confluent wire format)', () => {
  for (const kind of MESSAGE_KINDS) {
    test(`${kind} round-trips to an equal plain object, framed with magic byte 0 and its registry id`, async () => {
      const codec = codecOf(registryCodecs, kind);
      const message = sampleMessages()[kind];
      const bytes = await codec.encode(message);
      assert.equal(bytes[0], 0);
      assert.equal(bytes.readUInt32BE(1), registryCodecs.writerIds.get(MESSAGE_NAMES[kind]));
      assert.deepStrictEqual(await codec.decode(bytes), message);
      assert.equal(codec.messageName, MESSAGE_NAMES[kind]);
    });
  }

  test('schemas are registered under their record name (RecordNameStrategy) at start', async () => {
    const fresh = new InMemorySchemaRegistry();
    const url = await fresh.start();
    try {
      const codecs = await createMessageCodecs({ schemaRegistryUrl: url });
      assert.equal(codecs.mode, 'registry');
      const lookup = await fetch(`${url}/subjects/kpo.v1.PromptRequest`, {
        method: 'POST',
        body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'kpo.v1.Nope', fields: [] }) }),
      });
      assert.equal(lookup.status, 404, 'the subject exists but holds only our schema');
    } finally {
      await fresh.stop();
    }
  });

  test('decoding our own records costs no registry request (ids are cached from start)', async () => {
    const before = registry.requests;
    const codec = registryCodecs.tokenChunk;
    for (let i = 0; i < 20; i += 1) await codec.decode(await codec.encode(sampleMessages().tokenChunk));
    assert.equal(registry.requests, before);
  });

  test('omitted fields that have defaults are written with their defaults', async () => {
    const { requestId, sessionId, requestedAtMs } = sampleMessages().cancel;
    const partial = { requestId, sessionId, requestedAtMs } as Parameters<
      MessageCodecs['cancel']['encode']
    >[0];
    const decoded = await registryCodecs.cancel.decode(await registryCodecs.cancel.encode(partial));
    assert.equal(decoded.reason, '');
  });
});

describe('registry-less mode (Avro single-object encoding)', () => {
  for (const kind of MESSAGE_KINDS) {
    test(`${kind} round-trips, framed with C3 01 and its CRC-64-AVRO fingerprint`, async () => {
      const codec = codecOf(registryLessCodecs, kind);
      const message = sampleMessages()[kind];
      const bytes = await codec.encode(message);
      assert.deepEqual([...bytes.subarray(0, 2)], [0xc3, 0x01]);
      assert.equal(
        bytes.subarray(2, 10).toString('hex'),
        registryLessCodecs.writerIds.get(MESSAGE_NAMES[kind]),
      );
      assert.deepStrictEqual(await codec.decode(bytes), message);
    });
  }

  test('"none", empty and unset registry URLs all mean registry-less mode', async () => {
    for (const schemaRegistryUrl of ['none', 'NONE', '', undefined]) {
      const codecs = await createMessageCodecs(schemaRegistryUrl === undefined ? {} : { schemaRegistryUrl });
      assert.equal(codecs.mode, 'registry-less');
    }
  });
});

test('a registry-mode decoder also reads single-object encoded records, so a topic can switch modes', async () => {
  const message = sampleMessages().promptRequest;
  const bytes = await registryLessCodecs.promptRequest.encode(message);
  assert.deepStrictEqual(await registryCodecs.promptRequest.decode(bytes), message);
});
