/**
 * The pipeline file's `redis` section: how kpo authenticates to Redis (AUTH with an ACL user or the
 * default user's password) and whether it speaks TLS (server CA, client certificate for mutual TLS, the name
 * to check the server's certificate against). The environment wins over the file (applyRedisEnv). Secrets
 * never sit in the file: the password comes from env REDIS_PASSWORD or a file (passwordFile); the URL is
 * endpoints.redisUrl (env REDIS_URL), and a `rediss://` URL turns TLS on by itself.
 */
import { z } from 'zod';
import { isRecord } from '../options/is-record.ts';

const redisTlsSchema = z
  .object({
    /** PEM file of the CA that signed the server's certificate. Env REDIS_TLS_CA_FILE. Default: the system's CAs. */
    caFile: z.string().min(1).optional(),
    /** PEM client certificate, for mutual TLS (with keyFile). Env REDIS_TLS_CERT_FILE. */
    certFile: z.string().min(1).optional(),
    /** PEM private key of certFile (unencrypted). Env REDIS_TLS_KEY_FILE. */
    keyFile: z.string().min(1).optional(),
    /** Name the server's certificate must carry (and SNI), when it differs from the URL's host. Env REDIS_TLS_SERVERNAME. */
    servername: z.string().min(1).optional(),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
    message: 'certFile and keyFile go together (mutual TLS needs both)',
  });

export const redisConnectionSchema = z
  .object({
    /** ACL user (Redis 6+). Env REDIS_USERNAME. Default: none (AUTH with the password alone = the default user). */
    username: z.string().min(1).optional(),
    /** File holding the password. Env REDIS_PASSWORD_FILE; env REDIS_PASSWORD (the password itself) wins. */
    passwordFile: z.string().min(1).optional(),
    /** TLS: true (system CAs) or files. Env REDIS_TLS=true. Default: no TLS, unless the URL is rediss://. */
    tls: z.union([z.boolean(), redisTlsSchema]).default(false),
  })
  .strict();

export type RedisConnectionConfig = z.infer<typeof redisConnectionSchema>;

/** Environment names the `redis` section reads (REDIS_PASSWORD is read only when a connection is made). */
export const REDIS_ENV_NAMES = [
  'REDIS_USERNAME',
  'REDIS_PASSWORD',
  'REDIS_PASSWORD_FILE',
  'REDIS_TLS',
  'REDIS_TLS_CA_FILE',
  'REDIS_TLS_CERT_FILE',
  'REDIS_TLS_KEY_FILE',
  'REDIS_TLS_SERVERNAME',
] as const;

/** Puts the environment's Redis settings over the file's `redis` section (raw, before validation). */
export function applyRedisEnv(section: unknown, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const redis: Record<string, unknown> = isRecord(section) ? { ...section } : {};
  if (env.REDIS_USERNAME) redis.username = env.REDIS_USERNAME;
  if (env.REDIS_PASSWORD_FILE) redis.passwordFile = env.REDIS_PASSWORD_FILE;
  const tls = {
    ...(env.REDIS_TLS_CA_FILE ? { caFile: env.REDIS_TLS_CA_FILE } : {}),
    ...(env.REDIS_TLS_CERT_FILE ? { certFile: env.REDIS_TLS_CERT_FILE } : {}),
    ...(env.REDIS_TLS_KEY_FILE ? { keyFile: env.REDIS_TLS_KEY_FILE } : {}),
    ...(env.REDIS_TLS_SERVERNAME ? { servername: env.REDIS_TLS_SERVERNAME } : {}),
  };
  if (Object.keys(tls).length > 0) redis.tls = { ...(isRecord(redis.tls) ? redis.tls : {}), ...tls };
  else if (env.REDIS_TLS === 'true') redis.tls = redis.tls ?? true;
  else if (env.REDIS_TLS) redis.tls = env.REDIS_TLS === 'false' ? false : env.REDIS_TLS;
  return redis;
}
