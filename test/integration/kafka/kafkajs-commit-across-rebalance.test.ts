/**
 * Defect 11: a commit made before a rebalance must not land under the next
 * generation. The coordinator connection of member A drops every time A sends
 * an OffsetCommit (a network fault injected through kafkajs' socketFactory
 * hook, on a real broker) while member B joins, takes a partition and commits
 * it further on; then the network heals. kafkajs' own commit kept retrying and
 * landed A's old positions under the new generation, moving B's partition back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import kafkajs from 'kafkajs';
import { KafkajsClient } from '../../../shared/kafka/kafkajs/kafkajs-client.ts';
import { KafkajsConsumer } from '../../../shared/kafka/kafkajs/kafkajs-consumer.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { topic } from './port-test-kit.ts';

const OFFSET_COMMIT_API_KEY = 8;

/** Sockets whose OffsetCommit requests drop the connection while `failing` is set. */
function commitDroppingSockets(): { readonly factory: kafkajs.ISocketFactory; failing: boolean } {
  const fault = {
    failing: false,
    factory: ({ host, port, onConnect }: kafkajs.ISocketFactoryArgs): net.Socket => {
      const socket = net.connect({ host, port }, onConnect);
      const write = socket.write.bind(socket);
      socket.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding) => {
        if (
          fault.failing &&
          Buffer.isBuffer(chunk) &&
          chunk.length >= 6 &&
          chunk.readInt16BE(4) === OFFSET_COMMIT_API_KEY
        ) {
          socket.destroy(new Error('connection dropped (injected fault)'));
          return false;
        }
        return write(chunk, encoding);
      }) as typeof socket.write;
      return socket;
    },
  };
  return fault;
}

test(
  'a commit made before a rebalance never lands under the next generation',
  { timeout: 90_000 },
  async (t) => {
    const brokers = [...serviceEndpoints().kafkaBrokers];
    const client = new KafkajsClient({ brokers, logLevel: 'nothing' });
    const name = await topic(t, client, 2);
    const producer = client.createProducer();
    await producer.connect();
    t.after(() => producer.close());
    await producer.send(
      Array.from({ length: 20 }, (_, i) => ({
        topic: name,
        key: null,
        value: Buffer.from(String(i)),
        partition: i % 2,
      })),
    );
    const groupId = uniqueName('commit-rebalance');
    const fault = commitDroppingSockets();
    const kafkaA = new kafkajs.Kafka({
      clientId: 'member-a',
      brokers,
      logLevel: kafkajs.logLevel.NOTHING,
      socketFactory: fault.factory,
      retry: { initialRetryTime: 300, retries: 10 },
    });
    const options = { groupId, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 300, maxWaitTimeMs: 100 };
    const a = new KafkajsConsumer(kafkaA, options);
    const b = client.createConsumer(options);
    t.after(async () => {
      await Promise.allSettled([a.close(), b.close()]);
    });
    const takenByA = new Set<number>();
    await a.subscribe([name]);
    await a.run({ onBatch: (batch) => (takenByA.add(batch.partition), batch.records.length) });
    await waitFor(() => takenByA.size === 2, { timeoutMs: 15_000, what: 'member A taking both partitions' });

    // A commits positions of its current assignment; the connection drops under the commit.
    fault.failing = true;
    const staleCommit = a
      .commit([
        { topic: name, partition: 0, offset: '3' },
        { topic: name, partition: 1, offset: '3' },
      ])
      .then(
        () => 'landed',
        () => 'failed',
      );
    // B joins: one partition moves to B, which commits it at its end.
    await b.subscribe([name]);
    await b.run({ onBatch: (batch) => batch.records.length });
    const moved = await waitFor(
      () => (b.assignment().length === 1 && a.assignment().length === 1 ? b.assignment()[0] : undefined),
      { timeoutMs: 30_000, what: 'the rebalance giving each member one partition' },
    );
    await waitFor(
      () => b.commit([{ topic: name, partition: moved.partition, offset: '10' }]).then(() => true),
      {
        timeoutMs: 15_000,
        what: 'member B committing its partition',
      },
    );
    fault.failing = false;
    const outcome = await staleCommit;

    const admin = client.createAdmin();
    await admin.connect();
    t.after(() => admin.close());
    const committed = await admin.groupOffsets(groupId, name);
    assert.equal(
      committed.find((p) => p.partition === moved.partition)?.offset,
      '10',
      `A's commit from before the rebalance (${outcome}) moved B's partition back`,
    );
  },
);
