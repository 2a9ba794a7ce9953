/**
 * The one place that picks a Kafka adapter. KPO_KAFKA_CLIENT (kafkajs |
 * confluent) wins over the pipeline file's `kafka.client`; the default is
 * kafkajs. Asking for confluent where it is not installed fails with one line
 * that says how to install it — it never falls back silently.
 */
import { KpoError } from '../errors/kpo-error.ts';
import { ConfluentClient } from './confluent/confluent-client.ts';
import type { KafkaClientPort } from './kafka-port.ts';
import { KafkajsClient } from './kafkajs/kafkajs-client.ts';
import type { KafkaLogLevel, KafkaLogSink } from './kafkajs/kafkajs-logger.ts';

export const KAFKA_CLIENT_NAMES = ['kafkajs', 'confluent'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENT_NAMES)[number];

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** The adapter; default: KPO_KAFKA_CLIENT, else kafkajs. */
  readonly client?: KafkaClientName;
  /** kafkajs log level (librdkafka's logs stay inside the client). Default "error". */
  readonly logLevel?: KafkaLogLevel;
  /** Where kafkajs log lines go (workers: their pino logger). Default stderr JSON lines. */
  readonly logSink?: KafkaLogSink;
}

/** The adapter named by KPO_KAFKA_CLIENT, or `fallback` when it is unset. */
export function kafkaClientName(
  fallback: KafkaClientName = 'kafkajs',
  env: NodeJS.ProcessEnv = process.env,
): KafkaClientName {
  const named = env.KPO_KAFKA_CLIENT;
  if (named === undefined || named === '') return fallback;
  if ((KAFKA_CLIENT_NAMES as readonly string[]).includes(named)) return named as KafkaClientName;
  throw new KpoError(
    'KPO_CONFIG_INVALID',
    `KPO_KAFKA_CLIENT: got ${JSON.stringify(named)}, expected one of ${KAFKA_CLIENT_NAMES.join(', ')}`,
    { context: { field: 'KPO_KAFKA_CLIENT' } },
  );
}

export function createKafkaClient(options: KafkaClientOptions): KafkaClientPort {
  const client = options.client ?? kafkaClientName();
  const { brokers, clientId } = options;
  if (client === 'confluent') return new ConfluentClient({ brokers, ...(clientId ? { clientId } : {}) });
  return new KafkajsClient({
    brokers,
    ...(clientId ? { clientId } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.logSink ? { logSink: options.logSink } : {}),
  });
}
