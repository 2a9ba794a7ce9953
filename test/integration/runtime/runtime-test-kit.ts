/**
 * Shared pieces of the runtime integration tests: topics with cleanup, a
 * producer of test inputs, and a collector that reads an output topic through
 * the Kafka port (so the tests use no client library directly).
 */
import type { TestContext } from 'node:test';
import { HEADER } from '../../../shared/messages/header-names.ts';
import type { ConsumedRecord, KafkaClientPort, OutgoingRecord } from '../../../shared/kafka/kafka-port.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
  type TestInput,
  type TestOutput,
} from '../../fixtures/runtime/test-records.ts';
import type { StageWorkerOptions } from '../../../shared/runtime/stage-worker-options.ts';

export interface Topics {
  readonly input: string;
  readonly output: string;
  readonly deadLetter: string;
  readonly group: string;
}

export function kafkaClient(): KafkaClientPort {
  return createKafkaClient({ brokers: serviceEndpoints().kafkaBrokers, logLevel: 'nothing' });
}

/** Creates input, output and dead-letter topics; deletes them (and the group) when the test ends. */
export async function createTopics(
  t: TestContext,
  kafka: KafkaClientPort,
  partitions: number,
): Promise<Topics> {
  const base = uniqueName('rt');
  const topics = {
    input: `${base}.in`,
    output: `${base}.out`,
    deadLetter: `${base}.in.dlq`,
    group: `${base}-g`,
  };
  const admin = kafka.createAdmin();
  await admin.connect();
  await admin.createTopics(
    [topics.input, topics.output, topics.deadLetter].map((topic) => ({ topic, partitions })),
  );
  t.after(async () => {
    await admin.deleteTopics([topics.input, topics.output, topics.deadLetter]).catch(() => undefined);
    await admin.deleteGroups([topics.group]).catch(() => undefined);
    await admin.close();
  });
  return topics;
}

/** Options of a StageWorker of the test handler and codecs, between the given topics. */
export function testWorkerOptions(
  stage: string,
  topics: Topics,
  kafka: KafkaClientPort,
): StageWorkerOptions<TestInput, TestOutput> {
  return {
    stage,
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    kafka,
    handler: testHandler(),
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
  };
}

export function inputsFor(sessions: number, perSession: number, prefix = 's'): TestInput[] {
  const inputs: TestInput[] = [];
  for (let n = 0; n < perSession; n += 1) {
    for (let s = 0; s < sessions; s += 1) {
      const session = `${prefix}${s}`;
      inputs.push({ session, n, requestId: `${session}-${n}` });
    }
  }
  return inputs;
}

/** Produces inputs keyed by session, in order, in chunks. */
export async function produceInputs(
  kafka: KafkaClientPort,
  topic: string,
  inputs: readonly TestInput[],
): Promise<void> {
  const producer = kafka.createProducer();
  await producer.connect();
  try {
    const records: OutgoingRecord[] = inputs.map((input) => ({
      topic,
      key: input.session,
      value: Buffer.from(JSON.stringify(input)),
    }));
    for (let i = 0; i < records.length; i += 1000) await producer.send(records.slice(i, i + 1000));
  } finally {
    await producer.close();
  }
}

/** A copy of what a test needs from an output (no references into fetch buffers). */
export interface CollectedOutput {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly value: Record<string, unknown>;
  /** requestId/seq/attempt from the de-dup headers. */
  readonly identity: string;
  readonly headers: Readonly<Record<string, string>>;
}

function copyOutput(record: ConsumedRecord): CollectedOutput {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.headers)) headers[name] = value.toString('utf8');
  let value: Record<string, unknown> = {};
  try {
    value = JSON.parse(record.value?.toString('utf8') ?? '{}') as Record<string, unknown>;
  } catch {
    value = {};
  }
  return {
    partition: record.partition,
    offset: record.offset,
    key: record.key?.toString('utf8') ?? null,
    value,
    identity: `${headers[HEADER.requestId]}/${headers[HEADER.seq]}/${headers[HEADER.attempt]}`,
    headers,
  };
}

/** Reads a topic from the beginning into memory until stop(). */
export async function collect(
  t: TestContext,
  kafka: KafkaClientPort,
  topic: string,
): Promise<{ readonly records: CollectedOutput[]; stop(): Promise<void> }> {
  const records: CollectedOutput[] = [];
  const group = uniqueName('collector');
  const consumer = kafka.createConsumer({ groupId: group, maxWaitTimeMs: 100 });
  await consumer.subscribe([topic], { fromBeginning: true });
  await consumer.run({
    onBatch: (batch) => {
      for (const record of batch.records) records.push(copyOutput(record));
      return batch.records.length;
    },
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await consumer.close();
    const admin = kafka.createAdmin();
    await admin.connect();
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.close();
  };
  t.after(stop);
  return { records, stop };
}

/** Per session, the sequence of n values in output order with repeats (same de-dup identity) dropped. */
export function firstSeenOrder(outputs: readonly CollectedOutput[]): Map<string, number[]> {
  const seen = new Set<string>();
  const order = new Map<string, number[]>();
  for (const output of outputs) {
    if (seen.has(output.identity)) continue;
    seen.add(output.identity);
    const session = String(output.value.session);
    const list = order.get(session) ?? [];
    list.push(Number(output.value.n));
    order.set(session, list);
  }
  return order;
}
