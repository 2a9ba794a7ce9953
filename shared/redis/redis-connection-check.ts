/**
 * One bounded connect and PING before a command or worker relies on Redis, with no reconnects: a refused
 * password, a TLS mismatch or an untrusted certificate ends it at once with one line naming the setting to
 * fix. (A long-lived client reconnects by itself and would only report "Connection is closed." each time.)
 */
import { connect as tcpConnect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { KpoError } from '../errors/kpo-error.ts';
import { speaksTls } from '../net/speaks-tls.ts';
import { ioredisSecurityOptions, redactAuthArguments, type RedisSecurity } from './redis-security.ts';

/** How long a TLS connect may wait for the server's hello before the port is asked in plain Redis. */
const PLAIN_SNIFF_AFTER_MS = 1_000;

export async function checkRedisConnection(
  url: string,
  security: RedisSecurity,
  timeoutMs: number,
): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    ...ioredisSecurityOptions(security),
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = redactAuthArguments(error);
  });
  const { host, port } = client.options as { host: string; port: number };
  const where = printableRedisUrl(url);
  const sniff = new AbortController();
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      // A TLS client to a plain port waits for a server hello that never comes: ask the port in plain Redis.
      security.tls === undefined
        ? new Promise<never>(() => undefined)
        : delay(PLAIN_SNIFF_AFTER_MS, undefined, { signal: sniff.signal })
            .then(() => answersPlainRedis(host, port, timeoutMs))
            .then(
              (plain) => {
                if (plain)
                  throw settingsFailure(where, 'speaks plain Redis on this port, not TLS', PLAIN_FIX);
                return new Promise<never>(() => undefined);
              },
              () => new Promise<never>(() => undefined),
            ),
    ]);
  } catch (cause) {
    if (cause instanceof KpoError) throw cause;
    throw await explainFailure(lastError ?? (cause as Error), { where, host, port, security, timeoutMs });
  } finally {
    sniff.abort();
    client.disconnect();
  }
}

/** The URL as it may be printed: a password in it shows as "redacted". */
export function printableRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return url;
  }
}

const PLAIN_FIX = 'drop redis.tls (REDIS_TLS) for this port, or use the server TLS port';
const TLS_FIX = 'set REDIS_TLS=true (redis.tls, REDIS_TLS_CA_FILE) or use a rediss:// URL';
const START_FIX = 'start it (npm run stack -- up) or set REDIS_URL';

interface FailureContext {
  readonly where: string;
  readonly host: string;
  readonly port: number;
  readonly security: RedisSecurity;
  readonly timeoutMs: number;
}

async function explainFailure(error: Error, context: FailureContext): Promise<KpoError> {
  const { where, security } = context;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const reason = error.message.split('\n')[0]!;
  if (/^WRONGPASS/.test(reason)) {
    return settingsFailure(
      where,
      `refused the password of user ${security.username ?? 'default'}`,
      'check REDIS_USERNAME and REDIS_PASSWORD (or redis.passwordFile)',
      error,
    );
  }
  if (/^NOAUTH/.test(reason)) {
    return settingsFailure(
      where,
      'requires a password',
      'set REDIS_PASSWORD (or redis.passwordFile), and REDIS_USERNAME for an ACL user',
      error,
    );
  }
  if (security.tls !== undefined) {
    if (/alert/i.test(reason) && /certificate required|bad certificate|unknown ca/i.test(reason)) {
      return settingsFailure(
        where,
        `refused our TLS client certificate (${reason})`,
        'set redis.tls.certFile and keyFile (REDIS_TLS_CERT_FILE, REDIS_TLS_KEY_FILE) to a certificate it trusts',
        error,
      );
    }
    if (/wrong version number|packet length too long/i.test(reason) || code === 'EPROTO') {
      return settingsFailure(where, `does not speak TLS on this port (${reason})`, PLAIN_FIX, error);
    }
    if (/CERT|SELF_SIGNED|UNABLE_TO|DEPTH_ZERO|ALTNAME/.test(code)) {
      return settingsFailure(
        where,
        `sent a TLS certificate we do not trust (${reason})`,
        'set redis.tls.caFile (REDIS_TLS_CA_FILE) to the CA that signed it, or redis.tls.servername (REDIS_TLS_SERVERNAME) to the name it carries',
        error,
      );
    }
  } else if (code !== 'ECONNREFUSED' && (await speaksTls(context.host, context.port, context.timeoutMs))) {
    return settingsFailure(
      where,
      'listens with TLS on this port, and the connection was plain',
      TLS_FIX,
      error,
    );
  }
  const what =
    code === 'ETIMEDOUT' || /timed out/i.test(reason)
      ? `did not answer within ${context.timeoutMs / 1000} s`
      : `is unreachable (${reason})`;
  return new KpoError('KPO_REDIS', `Redis at ${where} ${what}. Fix: ${START_FIX}`, {
    cause: error,
    context: { endpoint: where },
  });
}

function settingsFailure(where: string, why: string, fix: string, cause?: unknown): KpoError {
  return new KpoError('KPO_REDIS_AUTH', `Redis at ${where} ${why}. Fix: ${fix}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { endpoint: where },
  });
}

/** True when the port answers a plain PING the way Redis does (+PONG, or -NOAUTH / -ERR). */
function answersPlainRedis(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port });
    const end = (plain: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(plain);
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk: Buffer) => end(chunk[0] === 0x2b || chunk[0] === 0x2d));
    socket.once('error', () => end(false));
    socket.once('close', () => end(false));
  });
}
