/**
 * Every message kind through the real schema registry (Apicurio's Confluent
 * API on the local stack): registered under its record name at start, framed
 * with the registry id, decoded by the id in the record — also ids that
 * another producer registered.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { MESSAGE_KINDS, MESSAGE_NAMES } from '../../../shared/messages/message-schemas.ts';
import {
  createMessageCodecs,
  subjectFor,
  type MessageCodecs,
} from '../../../shared/serde/create-message-codecs.ts';
import { frameConfluent } from '../../../shared/serde/confluent-wire-format.ts';
import type { RecordCodec } from '../../../shared/serde/record-codec.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { rejectsWithKpoError } from '../../unit/serde/assert-kpo-error.ts';
import { sampleMessages } from '../../unit/serde/sample-messages.ts';

let codecs: MessageCodecs;

async function registry(path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${serviceEndpoints().schemaRegistryUrl}${path}`, {
    ...init,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
  });
  return { status: response.status, body: await response.json() };
}

before(async () => {
  codecs = await createMessageCodecs({ schemaRegistryUrl: serviceEndpoints().schemaRegistryUrl });
});

for (const kind of MESSAGE_KINDS) {
  test(`${kind} round-trips through the real registry, framed with the id the registry gave its subject`, async () => {
    const codec = codecs[kind] as RecordCodec<unknown>;
    const message = sampleMessages()[kind];
    const bytes = await codec.encode(message);
    const id = bytes.readUInt32BE(1);
    assert.equal(bytes[0], 0);
    const { status, body } = await registry(`/schemas/ids/${id}`);
    assert.equal(status, 200);
    assert.equal(
      avro.Type.forSchema(JSON.parse((body as { schema: string }).schema) as avro.Schema).name,
      MESSAGE_NAMES[kind],
    );
    assert.deepStrictEqual(await codec.decode(bytes), message);
  });
}

test('every kind is registered under its record name (RecordNameStrategy)', async () => {
  const { body } = await registry('/subjects');
  for (const name of Object.values(MESSAGE_NAMES)) {
    assert.ok(
      (body as string[]).includes(subjectFor(name)),
      `subject ${name} missing from ${JSON.stringify(body)}`,
    );
  }
});

test('a second factory (another worker) finds the same ids instead of registering new versions', async () => {
  const again = await createMessageCodecs({
    schemaRegistryUrl: serviceEndpoints().schemaRegistryUrl,
    autoRegister: false,
  });
  assert.deepEqual(new Map(again.writerIds), new Map(codecs.writerIds));
});

test('a schema id another producer registered decodes when it resolves to ours', async () => {
  const older = {
    type: 'record',
    name: 'ClientEvent',
    namespace: 'kpo.v1',
    fields: [
      { name: 'requestId', type: 'string' },
      { name: 'sessionId', type: 'string' },
      {
        name: 'type',
        type: {
          type: 'enum',
          name: 'ClientEventType',
          symbols: ['token', 'done', 'error', 'shed', 'rejected', 'cancelled'],
        },
      },
      { name: 'seq', type: 'int' },
      { name: 'text', type: 'string' },
      { name: 'timestampMs', type: 'long' },
      { name: 'producer', type: 'string', default: 'other' },
    ],
  };
  const subject = `${uniqueName('other-producer')}-value`;
  const { status, body } = await registry(`/subjects/${subject}/versions`, {
    method: 'POST',
    body: JSON.stringify({ schema: JSON.stringify(older) }),
  });
  assert.equal(status, 200, JSON.stringify(body));
  const id = (body as { id: number }).id;
  assert.notEqual(id, codecs.writerIds.get(MESSAGE_NAMES.clientEvent));
  const written = {
    requestId: 'r',
    sessionId: 's',
    type: 'token',
    seq: 0,
    text: 'hi',
    timestampMs: 7,
    producer: 'x',
  };
  const decoded = await codecs.clientEvent.decode(
    frameConfluent(id, avro.Type.forSchema(older as avro.Schema).toBuffer(written)),
  );
  assert.deepStrictEqual(decoded, {
    requestId: 'r',
    sessionId: 's',
    type: 'token',
    seq: 0,
    text: 'hi',
    usage: null,
    errorCode: null,
    errorMessage: null,
    timestampMs: 7,
    e2eMs: null,
    resumes: 0,
    finishReason: null,
  });
  await registry(`/subjects/${subject}`, { method: 'DELETE' });
});

test('an id the real registry does not know → KPO_DECODE_UNKNOWN_SCHEMA, not retryable', async () => {
  const error = await rejectsWithKpoError(
    codecs.cancel.decode(frameConfluent(2_000_000_000, Buffer.from([2, 0x72, 2, 0x73, 0, 2]))),
    'KPO_DECODE_UNKNOWN_SCHEMA',
  );
  assert.equal(error.retryable, false);
});
