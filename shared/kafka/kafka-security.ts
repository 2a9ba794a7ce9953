/**
 * What a Kafka client needs to authenticate, read from the `kafka` section's
 * files and the environment when the client is made: PEM texts and the SASL
 * password. The password is held in a KafkaSecret, which prints and
 * serializes as "[redacted]", so a logged options object never shows it.
 */
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { KpoError } from '../errors/kpo-error.ts';
import type { KafkaConnectionConfig } from './kafka-connection-schema.ts';

export class KafkaSecret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself, for the client library only. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}

export interface KafkaSecurity {
  /** TLS to the brokers; an empty object trusts the system's CAs. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-512';
    readonly username: string;
    readonly password: KafkaSecret;
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

function saslPassword(sasl: NonNullable<KafkaConnectionConfig['sasl']>, env: NodeJS.ProcessEnv): KafkaSecret {
  if (env.KAFKA_SASL_PASSWORD) return new KafkaSecret(env.KAFKA_SASL_PASSWORD);
  if (sasl.passwordFile) {
    return new KafkaSecret(readText(sasl.passwordFile, 'kafka.sasl.passwordFile').replace(/\r?\n$/, ''));
  }
  throw new KpoError(
    'KPO_CONFIG_INVALID',
    'kafka.sasl: no password. Fix: set KAFKA_SASL_PASSWORD, or kafka.sasl.passwordFile (KAFKA_SASL_PASSWORD_FILE)',
    { context: { field: 'kafka.sasl' } },
  );
}

function readPem(path: string, field: string): string {
  const text = readText(path, field);
  if (!text.includes('-----BEGIN ')) {
    throw new KpoError('KPO_CONFIG_INVALID', `${field}: ${path} is not a PEM file (no -----BEGIN line)`, {
      context: { field },
    });
  }
  return text;
}

function readText(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `${field}: cannot read ${path} (${(cause as NodeJS.ErrnoException).code ?? String(cause)})`,
      { cause, context: { field } },
    );
  }
}
