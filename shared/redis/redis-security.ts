/**
 * What an ioredis client needs to authenticate and to speak TLS, read from the `redis` section's files and
 * the environment when a connection is made. The password is a Secret (prints as "[redacted]").
 */
import type { RedisOptions } from 'ioredis';
import { readPem } from '../config/config-file-text.ts';
import { optionalSecret, type Secret } from '../config/secret.ts';
import type { RedisConnectionConfig } from './redis-connection-schema.ts';

export interface RedisSecurity {
  readonly username?: string;
  readonly password?: Secret;
  /** TLS to the server; an empty object trusts the system's CAs. */
  readonly tls?: {
    readonly ca?: string;
    readonly cert?: string;
    readonly key?: string;
    readonly servername?: string;
  };
}

/** No AUTH, no TLS: the local stack's default Redis. */
export const NO_REDIS_SECURITY: RedisSecurity = {};

/** The `redis` section's settings with their files read; a `rediss://` URL turns TLS on (system CAs) by itself. */
export function resolveRedisSecurity(
  connection: RedisConnectionConfig,
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): RedisSecurity {
  const { tls, username, passwordFile } = connection;
  const password = optionalSecret({ field: 'redis', envName: 'REDIS_PASSWORD', file: passwordFile }, env);
  const wantsTls = tls !== false || /^rediss:\/\//i.test(url);
  const files = typeof tls === 'object' ? tls : {};
  return {
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(wantsTls
      ? {
          tls: {
            ...(files.caFile ? { ca: readPem(files.caFile, 'redis.tls.caFile') } : {}),
            ...(files.certFile ? { cert: readPem(files.certFile, 'redis.tls.certFile') } : {}),
            ...(files.keyFile ? { key: readPem(files.keyFile, 'redis.tls.keyFile') } : {}),
            ...(files.servername ? { servername: files.servername } : {}),
          },
        }
      : {}),
  };
}

/** The ioredis options of these settings (the only place the password is revealed). */
export function ioredisSecurityOptions(security: RedisSecurity): Partial<RedisOptions> {
  return {
    ...(security.username === undefined ? {} : { username: security.username }),
    ...(security.password === undefined ? {} : { password: security.password.reveal() }),
    ...(security.tls === undefined ? {} : { tls: { ...security.tls } }),
  };
}

/**
 * ioredis' reply errors carry the command that failed, arguments included: a refused AUTH or HELLO would carry
 * the password into any log or inspected error. Blanks those arguments in place (the first 'error' listener
 * of every client of ours calls this).
 */
export function redactAuthArguments(error: Error): Error {
  const command = (error as { command?: { name?: unknown; args?: unknown } }).command;
  if (command !== undefined && /^(auth|hello)$/i.test(String(command.name)) && Array.isArray(command.args)) {
    command.args = command.args.map(() => '[redacted]');
  }
  return error;
}
