/**
 * The contract every Kafka adapter must pass, written against the port only.
 * Run it for an adapter with `kafkaPortContract('name', () => client)` from a
 * *.test.ts file (see kafkajs-port.test.ts).
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type {
  AssignmentChange,
  ConsumedBatch,
  ConsumedRecord,
  ConsumerPort,
  KafkaClientPort,
} from '../../../shared/kafka/kafka-port.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { produce, topic } from './port-test-kit.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

function consumer(t: TestContext, kafka: KafkaClientPort, group: string): ConsumerPort {
  const c = kafka.createConsumer({
    groupId: group,
    sessionTimeoutMs: 6_000,
    heartbeatIntervalMs: 500,
    maxWaitTimeMs: 100,
  });
  t.after(() => c.close());
  return c;
}

/** A second member joins `first`'s group on a 4-partition topic; resolves once they hold 2 + 2. */
async function joinSecond(
  t: TestContext,
  kafka: KafkaClientPort,
  group: string,
  name: string,
  first: ConsumerPort,
): Promise<ConsumerPort> {
  const second = consumer(t, kafka, group);
  await second.subscribe([name]);
  await second.run({ onBatch: (b) => b.records.length });
  await waitFor(() => first.assignment().length === 2 && second.assignment().length === 2, {
    timeoutMs: 30_000,
    what: 'a 2 + 2 split',
  });
  return second;
}

export interface AdapterTraits {
  /** The adapter rebalances cooperatively: partitions that stay with a member are never revoked. */
  readonly cooperative?: boolean;
}

export function kafkaPortContract(
  adapter: string,
  makeClient: () => KafkaClientPort,
  traits: AdapterTraits = {},
): void {
  describe(`Kafka port contract: ${adapter}`, () => {
    test('a produced batch comes back with keys, values, headers, per-partition offset order and one partition per key', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 3);
      await produce(t, kafka, name, 200);
      const seen: ConsumedRecord[] = [];
      const c = consumer(t, kafka, uniqueName('g'));
      await c.subscribe([name], { fromBeginning: true });
      await c.run({ onBatch: (b) => (seen.push(...b.records), b.records.length) });
      await waitFor(() => seen.length >= 200, { timeoutMs: 20_000, what: '200 records' });
      const partitionOfKey = new Map<string, number>();
      const lastOffset = new Map<number, bigint>();
      for (const r of seen) {
        const key = r.key?.toString() ?? '';
        assert.equal(partitionOfKey.get(key) ?? r.partition, r.partition, `key ${key} on two partitions`);
        partitionOfKey.set(key, r.partition);
        assert.ok((lastOffset.get(r.partition) ?? -1n) < BigInt(r.offset), 'offsets out of order');
        lastOffset.set(r.partition, BigInt(r.offset));
        assert.equal(r.headers['x-i']?.toString(), r.value?.toString());
        assert.deepEqual([...(r.headers['x-bin'] ?? [])], [0, 1, 2]);
        assert.ok(r.timestampMs > 0);
      }
      assert.equal(new Set(seen.map((r) => r.value?.toString())).size, 200);
    });

    test('records not taken are delivered again; taken ones are not', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 1);
      await produce(t, kafka, name, 50);
      const taken: string[] = [];
      let calls = 0;
      const c = consumer(t, kafka, uniqueName('g'));
      await c.subscribe([name]);
      await c.run({
        onBatch: (b) => {
          calls += 1;
          const n = Math.min(7, b.records.length);
          taken.push(...b.records.slice(0, n).map((r) => r.offset));
          return n;
        },
      });
      await waitFor(() => taken.length >= 50, { timeoutMs: 20_000, what: '50 taken records' });
      assert.deepEqual(
        taken,
        Array.from({ length: 50 }, (_, i) => String(i)),
      );
      assert.ok(calls >= 8);
    });

    test('commit stores the position: a new member of the group starts from it', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 1);
      await produce(t, kafka, name, 30);
      const group = uniqueName('g');
      const first = consumer(t, kafka, group);
      let count = 0;
      await first.subscribe([name]);
      await first.run({ onBatch: (b) => ((count += b.records.length), b.records.length) });
      await waitFor(() => count >= 30, { timeoutMs: 20_000, what: '30 records' });
      await first.commit([{ topic: name, partition: 0, offset: '20' }]);
      const admin = kafka.createAdmin();
      await admin.connect();
      t.after(() => admin.close());
      assert.deepEqual(await admin.groupOffsets(group, name), [{ topic: name, partition: 0, offset: '20' }]);
      await first.close();
      const second = consumer(t, kafka, group);
      const offsets: string[] = [];
      await second.subscribe([name]);
      await second.run({
        onBatch: (b) => (offsets.push(...b.records.map((r) => r.offset)), b.records.length),
      });
      await waitFor(() => offsets.length >= 10, { timeoutMs: 20_000, what: '10 records after the commit' });
      assert.equal(offsets[0], '20');
      await admin.deleteGroups([group]).catch(() => undefined);
    });

    test('a paused partition delivers nothing, keeps its membership past the session timeout, and resumes', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 2);
      await produce(t, kafka, name, 20, 8);
      const changes: AssignmentChange[] = [];
      const delivered: ConsumedBatch[] = [];
      const c = consumer(t, kafka, uniqueName('g'));
      await c.subscribe([name]);
      let paused = false;
      await c.run({
        onAssignmentChange: (change) => changes.push(change),
        onBatch: (b) => {
          if (!paused) {
            paused = true;
            c.pause(c.assignment());
            return 0;
          }
          delivered.push(b);
          return b.records.length;
        },
      });
      await waitFor(() => paused, { timeoutMs: 20_000, what: 'the first batch' });
      await new Promise((resolve) => setTimeout(resolve, 7_000)); // longer than sessionTimeoutMs (6000)
      assert.equal(delivered.length, 0, 'a paused partition delivered records');
      assert.equal(changes.length, 1, 'the paused member lost its assignment');
      assert.ok(
        c.lag().some((p) => p.lag > 0),
        'lag not reported while paused',
      );
      c.resume(c.assignment());
      await waitFor(() => delivered.reduce((n, b) => n + b.records.length, 0) >= 20, {
        timeoutMs: 20_000,
        what: 'all records after resume',
      });
    });

    test('a second member splits the partitions: the first sees them revoked, together they cover all', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 4);
      const group = uniqueName('g');
      const firstChanges: AssignmentChange[] = [];
      const first = consumer(t, kafka, group);
      await first.subscribe([name]);
      await first.run({ onAssignmentChange: (c) => firstChanges.push(c), onBatch: (b) => b.records.length });
      assert.equal(first.assignment().length, 4);
      const second = await joinSecond(t, kafka, group, name, first);
      const all = [...first.assignment(), ...second.assignment()].map((tp) => tp.partition).sort();
      assert.deepEqual(all, [0, 1, 2, 3]);
      const last = firstChanges[firstChanges.length - 1]!;
      assert.equal(last.revoked.length, 2);
      assert.deepEqual(
        last.current.map((tp) => tp.partition).sort(),
        first
          .assignment()
          .map((tp) => tp.partition)
          .sort(),
      );
    });

    test('a partition paused, revoked, then assigned back is fetched again', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 2);
      const group = uniqueName('g');
      const seen: ConsumedRecord[] = [];
      const first = consumer(t, kafka, group);
      await first.subscribe([name]);
      await first.run({ onBatch: (b) => (seen.push(...b.records), b.records.length) });
      first.pause(first.assignment()); // backpressure: everything paused
      const second = consumer(t, kafka, group);
      await second.subscribe([name]);
      await second.run({ onBatch: (b) => b.records.length });
      await waitFor(() => first.assignment().length === 1, { timeoutMs: 30_000, what: 'a 1 + 1 split' });
      first.resume(first.assignment()); // backpressure over: resume what is held now
      await second.close();
      await waitFor(() => first.assignment().length === 2, {
        timeoutMs: 30_000,
        what: 'both partitions back',
      });
      await produce(t, kafka, name, 40, 8);
      await waitFor(() => new Set(seen.map((r) => r.partition)).size === 2 && seen.length >= 40, {
        timeoutMs: 20_000,
        what: `records of both partitions (got partitions ${[...new Set(seen.map((r) => r.partition))].join(',')})`,
      });
    });

    test('pausing a partition inside a batch skips no prefetched record (upstream confluent-kafka-javascript issue 517)', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 2);
      const total = 3_000;
      await produce(t, kafka, name, total, 64);
      const taken = new Map<number, string[]>();
      const c = consumer(t, kafka, uniqueName('g'));
      await c.subscribe([name]);
      let pauses = 0;
      await c.run({
        onBatch: (b) => {
          // Take a few records, pause the partition mid-batch (the rest of this batch and whatever
          // the client prefetched is not taken), and resume it a moment later.
          const n = Math.min(1 + (pauses % 13), b.records.length);
          const list = taken.get(b.partition) ?? [];
          list.push(...b.records.slice(0, n).map((r) => r.offset));
          taken.set(b.partition, list);
          pauses += 1;
          const tp = [{ topic: name, partition: b.partition }];
          c.pause(tp);
          setTimeout(() => c.resume(tp), pauses % 3 === 0 ? 0 : 5);
          return n;
        },
      });
      // Wait for the last record of each partition (a skip shows below as a gap, not as a time-out).
      const admin = kafka.createAdmin();
      await admin.connect();
      t.after(() => admin.close());
      const ends = (await admin.topicOffsets(name)).filter((p) => p.high !== '0');
      await waitFor(() => ends.every((p) => taken.get(p.partition)?.at(-1) === String(BigInt(p.high) - 1n)), {
        timeoutMs: 60_000,
        what: `the last record of every partition taken through pauses`,
      });
      for (const [partition, offsets] of taken) {
        assert.deepEqual(
          offsets,
          Array.from({ length: offsets.length }, (_, i) => String(i)),
          `partition ${partition}: offsets skipped or repeated across pause/resume`,
        );
      }
      assert.ok(pauses > 100, `only ${pauses} pauses: the test did not pause inside batches`);
    });

    if (traits.cooperative) {
      test('cooperative: a partition that stays with its member is not revoked nor fetched again when a member joins', async (t) => {
        const kafka = makeClient();
        const name = await topic(t, kafka, 4);
        await produce(t, kafka, name, 80, 16);
        const group = uniqueName('g');
        const firstSeen: ConsumedRecord[] = [];
        const firstChanges: AssignmentChange[] = [];
        const first = consumer(t, kafka, group);
        await first.subscribe([name]);
        await first.run({
          onAssignmentChange: (change) => firstChanges.push(change),
          onBatch: (b) => (firstSeen.push(...b.records), b.records.length),
        });
        await waitFor(() => firstSeen.length >= 80, { timeoutMs: 20_000, what: '80 records' });
        // Nothing is committed: a partition revoked and assigned back would be read again from offset 0.
        await joinSecond(t, kafka, group, name, first);
        const kept = new Set(first.assignment().map((tp) => tp.partition));
        for (const change of firstChanges.slice(1)) {
          assert.deepEqual(change.assigned, [], 'the first member gained a partition while it gave some up');
          for (const tp of change.revoked)
            assert.ok(!kept.has(tp.partition), `kept partition ${tp.partition} was revoked`);
        }
        const keptBefore = firstSeen.filter((r) => kept.has(r.partition)).length;
        await produce(t, kafka, name, 80, 16); // the same keys again: as many records on the kept partitions
        await waitFor(() => firstSeen.filter((r) => kept.has(r.partition)).length >= 2 * keptBefore, {
          timeoutMs: 20_000,
          what: 'the new records of the kept partitions',
        });
        const keys = firstSeen.filter((r) => kept.has(r.partition)).map((r) => `${r.partition}@${r.offset}`);
        assert.equal(new Set(keys).size, keys.length, 'a kept partition was fetched again from the start');
      });
    }

    test('admin creates topics idempotently and reports partitions and watermarks', async (t) => {
      const kafka = makeClient();
      const name = await topic(t, kafka, 3);
      const admin = kafka.createAdmin();
      await admin.connect();
      t.after(() => admin.close());
      await admin.createTopics([{ topic: name, partitions: 3 }]);
      assert.deepEqual((await admin.describeTopic(name)).partitions, [0, 1, 2]);
      assert.ok((await admin.listTopics()).includes(name), 'listTopics names the new topic');
      await produce(t, kafka, name, 30, 30);
      const offsets = await admin.topicOffsets(name);
      assert.equal(offsets.length, 3);
      assert.equal(
        offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0),
        30,
      );
    });
  });
}
