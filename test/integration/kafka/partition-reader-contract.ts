/**
 * The contract of PartitionReaderPort (manual assignment, positions owned by
 * the caller), written against the port only. Run it for an adapter with
 * `partitionReaderContract('name', () => client)` (see kafkajs-port.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type {
  ConsumedRecord,
  KafkaClientPort,
  PartitionReaderPort,
} from '../../../shared/kafka/kafka-port.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { topic } from './port-test-kit.ts';

async function sendTo(
  t: TestContext,
  kafka: KafkaClientPort,
  name: string,
  partition: number,
  values: readonly string[],
): Promise<void> {
  const producer = kafka.createProducer();
  await producer.connect();
  t.after(() => producer.close());
  await producer.send(values.map((v) => ({ topic: name, key: v, value: Buffer.from(v), partition })));
}

async function reader(
  t: TestContext,
  kafka: KafkaClientPort,
  name: string,
  seen: ConsumedRecord[],
): Promise<PartitionReaderPort> {
  const r = kafka.createPartitionReader({ topic: name, maxWaitTimeMs: 100 });
  t.after(() => r.close());
  await r.run((batch) => void seen.push(...batch.records));
  return r;
}

const values = (records: readonly ConsumedRecord[]): string[] =>
  records.map((r) => r.value?.toString() ?? '');

export function partitionReaderContract(adapter: string, makeClient: () => KafkaClientPort): void {
  describe(`Kafka port contract, partition reader: ${adapter}`, () => {
    test('an assigned partition is read from the given offset, each record once; other partitions never', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 3);
      for (const p of [0, 1, 2]) {
        await sendTo(
          t,
          kafka,
          name,
          p,
          Array.from({ length: 10 }, (_, i) => `p${p}-${i}`),
        );
      }
      const seen: ConsumedRecord[] = [];
      const r = await reader(t, kafka, name, seen);
      r.assign([{ topic: name, partition: 1, offset: '4' }]);
      await waitFor(() => seen.length >= 6, { timeoutMs: 20_000, what: 'offsets 4..9 of partition 1' });
      await sendTo(t, kafka, name, 1, ['p1-10']);
      await sendTo(t, kafka, name, 2, ['p2-10']);
      await waitFor(() => seen.length >= 7, { timeoutMs: 20_000, what: 'the record written later' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(values(seen), ['p1-4', 'p1-5', 'p1-6', 'p1-7', 'p1-8', 'p1-9', 'p1-10']);
      assert.deepEqual(r.positions(), [{ topic: name, partition: 1, offset: '11' }]);
    });

    test('a partition unassigned and assigned again at its new end delivers only what came after', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 2);
      const seen: ConsumedRecord[] = [];
      const r = await reader(t, kafka, name, seen);
      r.assign([{ topic: name, partition: 0, offset: '0' }]);
      await sendTo(t, kafka, name, 0, ['a0', 'a1']);
      await waitFor(() => seen.length >= 2, { timeoutMs: 20_000, what: 'the first two records' });
      r.unassign([0]);
      assert.deepEqual(r.positions(), []);
      await sendTo(t, kafka, name, 0, ['skipped0', 'skipped1']);
      await sendTo(t, kafka, name, 1, ['other']);
      await new Promise((resolve) => setTimeout(resolve, 500));
      r.assign([{ topic: name, partition: 0, offset: '4' }]);
      await sendTo(t, kafka, name, 0, ['b0', 'b1']);
      await waitFor(() => seen.length >= 4, { timeoutMs: 20_000, what: 'the records after the new end' });
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(values(seen), ['a0', 'a1', 'b0', 'b1']);
    });

    test('records written while the reader is idle wait for it; two readers of one partition each get all', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 1);
      const first: ConsumedRecord[] = [];
      const second: ConsumedRecord[] = [];
      const a = await reader(t, kafka, name, first);
      const b = await reader(t, kafka, name, second);
      await sendTo(t, kafka, name, 0, ['x0', 'x1', 'x2']);
      a.assign([{ topic: name, partition: 0, offset: '0' }]);
      b.assign([{ topic: name, partition: 0, offset: '1' }]);
      await waitFor(() => first.length >= 3 && second.length >= 2, {
        timeoutMs: 20_000,
        what: 'both readers',
      });
      assert.deepEqual(values(first), ['x0', 'x1', 'x2']);
      assert.deepEqual(values(second), ['x1', 'x2']);
    });
  });
}
