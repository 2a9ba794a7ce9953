/**
 * Wire compatibility with clients no one here wrote: Python's confluent-kafka
 * (librdkafka) with its schema-registry AvroSerializer / AvroDeserializer
 * reads what our serde writes and writes what it reads, through the real
 * broker and registry; fastavro does the same for single-object encoding.
 * The test setup (test/run.ts) makes a venv under .kpo/ with
 * test/interop/requirements.txt and passes its python as KPO_PYTHON.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadMessageSchemas, MESSAGE_NAMES } from '../../shared/messages/message-schemas.ts';
import type { AvroSchemaObject } from '../../shared/messages/schema-bundler.ts';
import { createMessageCodecs, type MessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import { serviceEndpoints } from '../helpers/services.ts';
import { uniqueName } from '../helpers/unique-name.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { sampleMessages, samplePromptRequest } from '../unit/serde/sample-messages.ts';
import { waitForTopicLeaders } from '../../shared/kafka/wait-for-topic-leaders.ts';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'confluent_kafka_interop.py');
const PYTHON = process.env.KPO_PYTHON ?? 'python3';
const schemas = loadMessageSchemas();
const workDir = mkdtempSync(join(tmpdir(), 'kpo-interop-'));
const topics: string[] = [];
let admin: Admin;
let kafka: Kafka;
let codecs: MessageCodecs;

function python(args: readonly string[], input?: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      PYTHON,
      [SCRIPT, ...args],
      { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`python ${args[0]} failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(
          stdout
            .split('\n')
            .filter((line) => line.trim() !== '')
            .map((line) => JSON.parse(line) as unknown),
        );
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Our messages as the Python side prints them: Buffers as {"$bytes": base64}. */
function asJson(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { $bytes: value.toString('base64') };
  if (Array.isArray(value)) return value.map(asJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, asJson(field)]));
  }
  return value;
}

function writeFile(name: string, text: string): string {
  const path = join(workDir, name);
  writeFileSync(path, text);
  return path;
}

async function createTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  // kafkajs' own leader wait gives up on UNKNOWN_TOPIC_OR_PARTITION right after creation.
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await waitForTopicLeaders(admin, [topic], 30_000);
  topics.push(topic);
  return topic;
}

before(async () => {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  await new Promise<void>((resolve, reject) =>
    execFile(
      PYTHON,
      ['-c', 'import confluent_kafka.schema_registry.avro, fastavro'],
      (error, _out, stderr) =>
        error
          ? reject(
              new Error(
                `${PYTHON} lacks confluent-kafka/fastavro: run this test through npm test (it makes the venv), or pip install -r test/interop/requirements.txt\n${stderr}`,
              ),
            )
          : resolve(),
    ),
  );
  kafka = new Kafka({ clientId: 'kpo-interop-test', brokers: [...kafkaBrokers], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  codecs = await createMessageCodecs({ schemaRegistryUrl });
});

after(async () => {
  if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  rmSync(workDir, { recursive: true, force: true });
});

test('Python confluent-kafka AvroDeserializer reads every kind we produce, by the schema id in the record', async () => {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  const topic = await createTopic('interop-py-reads');
  const samples = sampleMessages();
  const sent = [
    {
      name: MESSAGE_NAMES.promptRequest,
      message: samples.promptRequest,
      value: await codecs.promptRequest.encode(samples.promptRequest),
    },
    {
      name: MESSAGE_NAMES.retrievalResult,
      message: samples.retrievalResult,
      value: await codecs.retrievalResult.encode(samples.retrievalResult),
    },
    {
      name: MESSAGE_NAMES.tokenChunk,
      message: samples.tokenChunk,
      value: await codecs.tokenChunk.encode(samples.tokenChunk),
    },
    {
      name: MESSAGE_NAMES.clientEvent,
      message: samples.clientEvent,
      value: await codecs.clientEvent.encode(samples.clientEvent),
    },
    {
      name: MESSAGE_NAMES.deadLetter,
      message: samples.deadLetter,
      value: await codecs.deadLetter.encode(samples.deadLetter),
    },
  ];
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: sent.map(({ value }) => ({ key: 'session-1', value })),
    });
  } finally {
    await producer.disconnect();
  }

  const read = (await python([
    'read-kafka',
    ...['--brokers', kafkaBrokers.join(','), '--registry', schemaRegistryUrl, '--topic', topic],
    ...['--group', uniqueName('interop-py'), '--count', String(sent.length)],
  ])) as { schemaId: number; magic: number; value: unknown }[];

  assert.equal(read.length, sent.length);
  read.forEach((record, index) => {
    const expected = sent[index];
    assert.ok(expected);
    assert.equal(record.magic, 0);
    assert.equal(record.schemaId, codecs.writerIds.get(expected.name));
    assert.deepStrictEqual(record.value, asJson(expected.message), `${expected.name} as Python read it`);
  });
});

test('we read what Python confluent-kafka AvroSerializer writes under its own subject and schema id', async () => {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  const topic = await createTopic('interop-py-writes');
  // A newer client's schema: ours plus a field with a default, registered by Python as "<topic>-value".
  const schema = structuredClone(schemas.get(MESSAGE_NAMES.promptRequest)) as AvroSchemaObject & {
    fields: AvroSchemaObject[];
  };
  schema.fields.push({ name: 'clientName', type: 'string', default: '', doc: 'Added by the Python client.' });
  const requests = [
    samplePromptRequest({ requestId: 'py-1' }),
    samplePromptRequest({ requestId: 'py-2', replyTo: null, deadlineMs: null, metadata: {} }),
  ];
  const written = (await python([
    'write-kafka',
    ...['--brokers', kafkaBrokers.join(','), '--registry', schemaRegistryUrl, '--topic', topic],
    ...['--schema-file', writeFile('python-prompt-request.avsc', JSON.stringify(schema))],
    '--records-file',
    writeFile(
      'python-records.jsonl',
      requests.map((r) => JSON.stringify({ ...r, clientName: 'py' })).join('\n'),
    ),
  ])) as { schemaId: number }[];
  const pythonId = written[0]?.schemaId;
  assert.ok(pythonId !== undefined && pythonId !== codecs.writerIds.get(MESSAGE_NAMES.promptRequest));

  const received: Buffer[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('interop-ts') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        if (message.value) received.push(message.value);
      },
    });
    await waitFor(() => received.length >= requests.length, {
      timeoutMs: 30_000,
      what: 'the Python records',
    });
  } finally {
    await consumer.disconnect();
  }
  for (const [index, value] of received.entries()) {
    assert.equal(value.readUInt32BE(1), pythonId);
    assert.deepStrictEqual(await codecs.promptRequest.decode(value), requests[index]);
  }
});

test('fastavro reads our single-object encoding (same fingerprint) and we read what it writes', async () => {
  const registryLess = await createMessageCodecs({ schemaRegistryUrl: 'none' });
  const samples = sampleMessages();
  const schemaFile = writeFile('token-chunk.avsc', JSON.stringify(schemas.get(MESSAGE_NAMES.tokenChunk)));
  const ours = await registryLess.tokenChunk.encode(samples.tokenChunk);
  const read = (await python(
    ['read-single-object', '--schema-file', schemaFile],
    `${ours.toString('hex')}\n`,
  )) as {
    value: unknown;
  }[];
  assert.deepStrictEqual(read[0]?.value, asJson(samples.tokenChunk));

  const other = {
    ...samples.tokenChunk,
    seq: 9,
    text: 'from python',
    usage: null,
    error: null,
    final: false,
  };
  const records = writeFile('token-chunks.jsonl', JSON.stringify(other));
  const written = (await python([
    'write-single-object',
    '--schema-file',
    schemaFile,
    '--records-file',
    records,
  ])) as {
    hex: string;
  }[];
  assert.deepStrictEqual(
    await registryLess.tokenChunk.decode(Buffer.from(written[0]?.hex ?? '', 'hex')),
    other,
  );
});
