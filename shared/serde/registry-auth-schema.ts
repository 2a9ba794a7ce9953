/**
 * The pipeline file's `schemaRegistry` section: HTTP basic auth to the schema registry (Confluent Cloud's
 * registry API key and secret, a registry behind basic auth). The environment wins over the file
 * (applyRegistryAuthEnv); the password comes only from env SCHEMA_REGISTRY_PASSWORD or a file. The URL is
 * endpoints.schemaRegistryUrl (env SCHEMA_REGISTRY_URL).
 */
import { z } from 'zod';
import { requiredSecret, type Secret } from '../config/secret.ts';
import { isRecord } from '../options/is-record.ts';

export const registryAuthSchema = z
  .object({
    /** Basic-auth user (Confluent Cloud: the registry API key). Env SCHEMA_REGISTRY_USERNAME. Default: no auth. */
    username: z.string().min(1).optional(),
    /** File holding the password. Env SCHEMA_REGISTRY_PASSWORD_FILE; env SCHEMA_REGISTRY_PASSWORD wins. */
    passwordFile: z.string().min(1).optional(),
  })
  .strict();

export type RegistryAuthConfig = z.infer<typeof registryAuthSchema>;

export interface RegistryCredentials {
  readonly username: string;
  readonly password: Secret;
}

/** Environment names the `schemaRegistry` section reads (the password is read only when a client is made). */
export const REGISTRY_AUTH_ENV_NAMES = [
  'SCHEMA_REGISTRY_USERNAME',
  'SCHEMA_REGISTRY_PASSWORD',
  'SCHEMA_REGISTRY_PASSWORD_FILE',
] as const;

export function applyRegistryAuthEnv(section: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const auth: Record<string, unknown> = isRecord(section) ? { ...section } : {};
  if (env.SCHEMA_REGISTRY_USERNAME) auth.username = env.SCHEMA_REGISTRY_USERNAME;
  if (env.SCHEMA_REGISTRY_PASSWORD_FILE) auth.passwordFile = env.SCHEMA_REGISTRY_PASSWORD_FILE;
  return auth;
}

/** The credentials to send, or undefined without a username (no auth). A username without a password fails. */
export function resolveRegistryCredentials(
  auth: RegistryAuthConfig,
  env: NodeJS.ProcessEnv = process.env,
): RegistryCredentials | undefined {
  if (auth.username === undefined) return undefined;
  const password = requiredSecret(
    { field: 'schemaRegistry', envName: 'SCHEMA_REGISTRY_PASSWORD', file: auth.passwordFile },
    env,
  );
  return { username: auth.username, password };
}

/** The Authorization header value of basic auth. */
export function basicAuthorization(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password.reveal()}`).toString('base64')}`;
}
