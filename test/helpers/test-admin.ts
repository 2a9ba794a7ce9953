/** An admin client on the test broker, closed when the test ends. */
import type { TestContext } from 'node:test';
import type { AdminPort } from '../../shared/kafka/kafka-port.ts';
import { createKafkaClient } from '../../shared/kafka/create-kafka-client.ts';
import { serviceEndpoints } from './services.ts';

export async function testAdmin(t: TestContext): Promise<AdminPort> {
  const admin = createKafkaClient({
    brokers: serviceEndpoints().kafkaBrokers,
    logLevel: 'nothing',
  }).createAdmin();
  await admin.connect();
  t.after(() => admin.close());
  return admin;
}
