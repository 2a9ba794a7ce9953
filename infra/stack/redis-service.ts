/**
 * redis-server (the machine's, or the embedded-redis build; both have TLS built in) on loopback, nothing
 * persisted (no RDB, no AOF). Secured (`up --secure`): a TLS port beside the plain one (a client certificate
 * is accepted, not required) and an ACL file whose only user is the stack's user, its password stored as a
 * SHA-256 hash (the default user is off, so both ports want the password).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { LocalService } from './local-service.ts';
import type { StackLayout } from './stack-layout.ts';
import { startDetached } from './service-process.ts';
import { findRedisServer } from './redis-binary.ts';
import type { SecureMaterial } from './secure-material.ts';

export function redisService(layout: StackLayout, secure?: SecureMaterial): LocalService {
  const port = layout.ports.redis;
  const dataDir = layout.dataDir('redis');
  return {
    name: 'redis',
    port,
    endpoint: `redis://127.0.0.1:${port}`,
    version: redisVersion(layout),
    async start(prerequisites) {
      mkdirSync(dataDir, { recursive: true });
      return startDetached({
        command: prerequisites.redisServer.path,
        args: [
          '--bind',
          '127.0.0.1',
          '--port',
          String(port),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dataDir,
          '--protected-mode',
          'yes',
          ...(secure ? secureArgs(layout, secure) : []),
        ],
        logFile: layout.logFile('redis'),
        pidFile: layout.pidFile('redis'),
      });
    },
    async probe(timeoutMs) {
      const client = new Redis({
        host: '127.0.0.1',
        port,
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
        ...(secure ? { username: secure.username, password: readFileSync(secure.passwordFile, 'utf8') } : {}),
      });
      // A secured Redis asked without its password answers NOAUTH (`stack status`): it is up.
      let wantsPassword = false;
      client.on('error', (error: Error) => {
        if (error.message.startsWith('NOAUTH')) wantsPassword = true;
      });
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return wantsPassword;
      } finally {
        client.disconnect();
      }
    },
  };
}

function secureArgs(layout: StackLayout, secure: SecureMaterial): string[] {
  const aclFile = join(secure.dir, 'redis-users.acl');
  const passwordHash = createHash('sha256').update(readFileSync(secure.passwordFile, 'utf8')).digest('hex');
  writeFileSync(aclFile, `user default off\nuser ${secure.username} on #${passwordHash} ~* &* +@all\n`, {
    mode: 0o600,
  });
  return [
    '--tls-port',
    String(layout.ports.redisTls),
    '--tls-cert-file',
    secure.serverCertFile,
    '--tls-key-file',
    secure.serverKeyFile,
    '--tls-ca-cert-file',
    secure.caFile,
    '--tls-auth-clients',
    'optional',
    '--aclfile',
    aclFile,
  ];
}

function redisVersion(layout: StackLayout): string {
  try {
    const binary = findRedisServer(layout).path;
    if (!existsSync(binary)) return 'not installed';
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 });
    return /v=(\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return 'not installed';
  }
}
