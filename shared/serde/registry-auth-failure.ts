/** The one line a registry's 401/403 turns into: which user was refused, and which settings to check. */
import { KpoError } from '../errors/kpo-error.ts';
import type { RegistryCredentials } from './registry-auth-schema.ts';

export function isAuthStatus(status: number | undefined): boolean {
  return status === 401 || status === 403;
}

export function registryAuthFailure(
  url: string,
  status: number,
  credentials: RegistryCredentials | undefined,
  cause?: unknown,
): KpoError {
  const message =
    credentials === undefined
      ? `schema registry at ${url} requires authentication (HTTP ${status}). Fix: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or schemaRegistry.passwordFile)`
      : `schema registry at ${url} refused the credentials of user ${credentials.username} (HTTP ${status}). Fix: check SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD (or schemaRegistry.passwordFile)`;
  return new KpoError('KPO_REGISTRY_AUTH', message, {
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
    context: { endpoint: url },
  });
}
