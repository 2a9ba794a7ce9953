/**
 * Where the local stack (infra/stack) writes the endpoints of what it started,
 * so tests, workers and the CLI find them without configuration.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StackEndpoints {
  /** The first Kafka node (the only one of a single-node stack). */
  readonly kafkaBroker: string;
  /** Every Kafka node of the stack (`up --brokers 3`); absent in files written before multi-node stacks. */
  readonly kafkaBrokers?: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
  /** `up --secure`: the secured Kafka listeners, Redis TLS port, and where the CA, client certificate and password are. */
  readonly secure?: SecureStackEndpoints;
}

export interface SecureStackEndpoints {
  /** SASL_SSL listener: PLAIN and SCRAM-SHA-512 over TLS. */
  readonly saslSslBroker: string;
  /** SSL listener that requires a client certificate (mutual TLS). */
  readonly mtlsBroker: string;
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** Redis' TLS port (rediss://). Both Redis ports want username and password (the default user is off). */
  readonly redisTlsUrl: string;
  /** The user of SASL, Redis and the registry's basic auth (the registry wants it in secured mode). */
  readonly username: string;
  readonly passwordFile: string;
}

/** Project root, found from this file so the CLI works from any working directory. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The git-ignored folder that holds downloads, data, logs and endpoints. Env KPO_HOME overrides. */
export function stackHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.KPO_HOME ?? join(PROJECT_ROOT, '.kpo');
}

export function stackEndpointsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stackHome(env), 'endpoints.json');
}

/** Bootstrap servers of the stack: every node. */
export function stackKafkaBrokers(endpoints: StackEndpoints): readonly string[] {
  return endpoints.kafkaBrokers ?? [endpoints.kafkaBroker];
}

export function readStackEndpoints(env: NodeJS.ProcessEnv = process.env): StackEndpoints | undefined {
  const path = stackEndpointsPath(env);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as StackEndpoints;
}
