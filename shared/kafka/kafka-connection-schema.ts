/**
 * The pipeline file's `kafka` section: which client library talks to the
 * cluster, and how it authenticates (TLS, mutual TLS, SASL PLAIN or
 * SCRAM-SHA-512). Every default is written next to its field. The environment
 * wins over the file (applyKafkaEnv). Secrets never sit in the file: the SASL
 * password comes from env KAFKA_SASL_PASSWORD or a file (sasl.passwordFile),
 * keys and certificates from files (kafka-security.ts reads them).
 */
import { z } from 'zod';
import { KAFKA_CLIENT_NAMES } from './kafka-client-name.ts';
import { isRecord } from '../options/is-record.ts';

const tlsSchema = z
  .object({
    /** PEM file of the CA that signed the brokers' certificates. Env KAFKA_SSL_CA_FILE. Default: the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** PEM client certificate, for mutual TLS (with keyFile). Env KAFKA_SSL_CERT_FILE. */
    certFile: z.string().min(1).optional(),
    /** PEM private key of certFile (unencrypted). Env KAFKA_SSL_KEY_FILE. */
    keyFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'certFile and keyFile go together (mutual TLS needs both)',
  });

const saslSchema = z
  .object({
    /** plain (Confluent Cloud, Aiven's PLAIN users) or scram-sha-512 (MSK, Aiven). Env KAFKA_SASL_MECHANISM. */
    mechanism: z.enum(['plain', 'scram-sha-512']),
    /** Env KAFKA_SASL_USERNAME (Confluent Cloud: the API key). */
    username: z.string().min(1),
    /** File holding the password. Env KAFKA_SASL_PASSWORD_FILE; env KAFKA_SASL_PASSWORD (the password itself) wins. */
    passwordFile: z.string().min(1).optional(),
  })
  .strict();

export const kafkaConnectionSchema = z
  .object({
    /**
     * The client library: kafkajs (pure JavaScript, eager rebalances) or confluent
     * (librdkafka via @confluentinc/kafka-javascript, cooperative rebalances; installed by
     * scripts/install-confluent-client.sh). Env KPO_KAFKA_CLIENT. Default kafkajs.
     */
    client: z.enum(KAFKA_CLIENT_NAMES).default('kafkajs'),
    /** TLS to the brokers: true (system CAs) or files. Env KAFKA_SSL=true. Default: no TLS. */
    tls: z.union([z.boolean(), tlsSchema]).default(false),
    /** SASL authentication. Default: none. */
    sasl: saslSchema.optional(),
  })
  .strict();

export type KafkaConnectionConfig = z.infer<typeof kafkaConnectionSchema>;

/** Environment names the `kafka` section reads (KAFKA_SASL_PASSWORD is read only when a client is made). */
export const KAFKA_ENV_NAMES = [
  'KPO_KAFKA_CLIENT',
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_CERT_FILE',
  'KAFKA_SSL_KEY_FILE',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
] as const;

/** Puts the environment's Kafka settings over the file's `kafka` section (raw, before validation). */
export function applyKafkaEnv(section: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const kafka: Record<string, unknown> = isRecord(section) ? { ...section } : {};
  if (env.KPO_KAFKA_CLIENT) kafka.client = env.KPO_KAFKA_CLIENT;
  const tlsFiles = {
    ...(env.KAFKA_SSL_CA_FILE ? { caFile: env.KAFKA_SSL_CA_FILE } : {}),
    ...(env.KAFKA_SSL_CERT_FILE ? { certFile: env.KAFKA_SSL_CERT_FILE } : {}),
    ...(env.KAFKA_SSL_KEY_FILE ? { keyFile: env.KAFKA_SSL_KEY_FILE } : {}),
  };
  if (Object.keys(tlsFiles).length > 0)
    kafka.tls = { ...(isRecord(kafka.tls) ? kafka.tls : {}), ...tlsFiles };
  else if (env.KAFKA_SSL) kafka.tls = env.KAFKA_SSL === 'true' ? (kafka.tls ?? true) : env.KAFKA_SSL;
  const sasl = {
    ...(env.KAFKA_SASL_MECHANISM ? { mechanism: env.KAFKA_SASL_MECHANISM.toLowerCase() } : {}),
    ...(env.KAFKA_SASL_USERNAME ? { username: env.KAFKA_SASL_USERNAME } : {}),
    ...(env.KAFKA_SASL_PASSWORD_FILE ? { passwordFile: env.KAFKA_SASL_PASSWORD_FILE } : {}),
  };
  if (Object.keys(sasl).length > 0) kafka.sasl = { ...(isRecord(kafka.sasl) ? kafka.sasl : {}), ...sasl };
  return kafka;
}
