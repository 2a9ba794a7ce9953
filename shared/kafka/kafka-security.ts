/**
 * What a Kafka client needs to authenticate, read from the `kafka` section's
 * files and the environment when the client is made: PEM texts and the SASL
 * password. The password is held in a Secret, which prints and serializes
 * as "[redacted]", so a logged options object never shows it.
 */
import { readPem } from '../config/config-file-text.ts';
import { requiredSecret, type Secret } from '../config/secret.ts';
import type { KafkaConnectionConfig } from './kafka-connection-schema.ts';

export interface KafkaSecurity {
  /** TLS to the brokers; an empty object trusts the system's CAs. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-512';
    readonly username: string;
    readonly password: Secret;
  };
}

export function resolveKafkaSecurity(
  connection: Pick<KafkaConnectionConfig, 'tls' | 'sasl'>,
  env: NodeJS.ProcessEnv = process.env,
): KafkaSecurity {
  const { tls, sasl } = connection;
  return {
    ...(tls === false
      ? {}
      : {
          tls:
            tls === true
              ? {}
              : {
                  ...(tls.caFile ? { ca: readPem(tls.caFile, 'kafka.tls.caFile') } : {}),
                  ...(tls.certFile ? { cert: readPem(tls.certFile, 'kafka.tls.certFile') } : {}),
                  ...(tls.keyFile ? { key: readPem(tls.keyFile, 'kafka.tls.keyFile') } : {}),
                },
        }),
    ...(sasl
      ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: saslPassword(sasl, env) } }
      : {}),
  };
}

function saslPassword(sasl: NonNullable<KafkaConnectionConfig['sasl']>, env: NodeJS.ProcessEnv): Secret {
  return requiredSecret(
    { field: 'kafka.sasl', envName: 'KAFKA_SASL_PASSWORD', file: sasl.passwordFile },
    env,
  );
}
