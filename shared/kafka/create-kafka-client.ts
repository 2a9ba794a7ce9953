/**
 * The one place that picks a Kafka adapter: the caller's choice (the pipeline
 * file's `kafka.client`, env KPO_KAFKA_CLIENT already applied), else
 * KPO_KAFKA_CLIENT, else kafkajs. Asking for confluent where it is not installed fails with one line
 * that says how to install it — it never falls back silently.
 */
import { KpoError } from '../errors/kpo-error.ts';
import { ConfluentClient } from './confluent/confluent-client.ts';
import type { KafkaClientPort } from './kafka-port.ts';
import { KAFKA_CLIENT_NAMES, type KafkaClientName } from './kafka-client-name.ts';
import { KafkajsClient } from './kafkajs/kafkajs-client.ts';
import type { Logger } from 'pino';
import type { KafkaLogLevel } from './kafkajs/kafkajs-logger.ts';
import type { KafkaConnectionConfig } from './kafka-connection-schema.ts';
import { resolveKafkaSecurity, type KafkaSecurity } from './kafka-security.ts';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** The adapter; default: KPO_KAFKA_CLIENT, else kafkajs. */
  readonly client?: KafkaClientName;
  /** kafkajs log level (librdkafka's logs stay inside the client). Default "error". */
  readonly logLevel?: KafkaLogLevel;
  /** Where kafkajs log lines go (workers: their pino logger, so the lines carry trace id and redaction). Default: pino on stderr. */
  readonly logger?: Logger;
  /** TLS and SASL (resolveKafkaSecurity / kafkaConnectionOptions). Default: plaintext, no authentication. */
  readonly security?: KafkaSecurity;
}

/** The pipeline file's `kafka` section as client options: the library and its resolved TLS/SASL settings. */
export function kafkaConnectionOptions(
  connection: KafkaConnectionConfig,
  env: NodeJS.ProcessEnv = process.env,
): Pick<KafkaClientOptions, 'client' | 'security'> {
  return { client: connection.client, security: resolveKafkaSecurity(connection, env) };
}

/** The adapter named by KPO_KAFKA_CLIENT, or kafkajs when it is unset. */
export function kafkaClientFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaClientName {
  const named = env.KPO_KAFKA_CLIENT;
  if (named === undefined || named === '') return 'kafkajs';
  if ((KAFKA_CLIENT_NAMES as readonly string[]).includes(named)) return named as KafkaClientName;
  throw new KpoError(
    'KPO_CONFIG_INVALID',
    `KPO_KAFKA_CLIENT: got ${JSON.stringify(named)}, expected one of ${KAFKA_CLIENT_NAMES.join(', ')}`,
    { context: { field: 'KPO_KAFKA_CLIENT' } },
  );
}

export function createKafkaClient(options: KafkaClientOptions): KafkaClientPort {
  const client = options.client ?? kafkaClientFromEnv();
  const { brokers, clientId, security } = options;
  if (client === 'confluent') {
    return new ConfluentClient({
      brokers,
      ...(clientId ? { clientId } : {}),
      ...(security ? { security } : {}),
    });
  }
  return new KafkajsClient({
    brokers,
    ...(clientId ? { clientId } : {}),
    ...(security ? { security } : {}),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
