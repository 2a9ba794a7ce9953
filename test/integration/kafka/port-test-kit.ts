/** Topics and records for the Kafka port contract suites; each registers its own cleanup. */
import type { TestContext } from 'node:test';
import type { KafkaClientPort } from '../../../shared/kafka/kafka-port.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

export async function topic(t: TestContext, kafka: KafkaClientPort, partitions: number): Promise<string> {
  const name = uniqueName('port');
  const admin = kafka.createAdmin();
  // Cleanup first: a failed create must not leave the admin connected (the file would never exit).
  t.after(async () => {
    await admin.deleteTopics([name]).catch(() => undefined);
    await admin.close();
  });
  await admin.connect();
  await admin.createTopics([{ topic: name, partitions }]);
  return name;
}

export async function produce(
  t: TestContext,
  kafka: KafkaClientPort,
  name: string,
  count: number,
  keys = 4,
): Promise<void> {
  const producer = kafka.createProducer();
  await producer.connect();
  t.after(() => producer.close());
  await producer.send(
    Array.from({ length: count }, (_, i) => ({
      topic: name,
      key: `k${i % keys}`,
      value: Buffer.from(String(i)),
      headers: { 'x-i': String(i), 'x-bin': Buffer.from([0, 1, 2]) },
    })),
  );
}
