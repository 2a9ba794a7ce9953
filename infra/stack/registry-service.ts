/**
 * Apicurio Registry 3.x (Quarkus, in-memory storage) on loopback. Clients use
 * its Confluent-compatible API under /apis/ccompat/v7.
 *
 * Secured (`up --secure`): HTTP basic auth, no identity server. The registry's own mechanism chain takes
 * Quarkus' basic auth (quarkus.http.auth.basic) and Quarkus' embedded users (compiled into this build), so
 * every API wants the stack's user and password. They go in a properties file readable by the owner only,
 * named by QUARKUS_CONFIG_LOCATIONS, so the password is in no command line or environment.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalService } from './local-service.ts';
import type { SecureMaterial } from './secure-material.ts';
import type { StackLayout } from './stack-layout.ts';
import { startDetached } from './service-process.ts';

export const CCOMPAT_PATH = '/apis/ccompat/v7';

export function registryService(layout: StackLayout, secure?: SecureMaterial): LocalService {
  const port = layout.ports.registry;
  const base = `http://127.0.0.1:${port}`;
  return {
    name: 'registry',
    port,
    endpoint: `${base}${CCOMPAT_PATH}`,
    version: layout.versions.apicurio,
    async start(prerequisites) {
      return startDetached({
        command: prerequisites.registryJava,
        args: ['-Xms128m', '-Xmx512m', '-XX:TieredStopAtLevel=1', '-jar', 'quarkus-run.jar'],
        cwd: layout.registryDir,
        env: {
          QUARKUS_HTTP_HOST: '127.0.0.1',
          QUARKUS_HTTP_PORT: String(port),
          // Quarkus also opens a management port (default 9000 on every interface): keep it on loopback.
          QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
          QUARKUS_MANAGEMENT_PORT: String(layout.ports.registryManagement),
          // Apicurio defaults to in-memory H2; say so explicitly so a user config can't change it.
          APICURIO_STORAGE_KIND: 'sql',
          APICURIO_STORAGE_SQL_KIND: 'h2',
          QUARKUS_LOG_LEVEL: 'WARN',
          QUARKUS_LOG_CATEGORY__IO_QUARKUS__LEVEL: 'INFO',
          ...(secure ? { QUARKUS_CONFIG_LOCATIONS: `file:${basicAuthProperties(secure)}` } : {}),
        },
        logFile: layout.logFile('registry'),
        pidFile: layout.pidFile('registry'),
      });
    },
    async probe(timeoutMs) {
      try {
        const response = await fetch(`${base}${CCOMPAT_PATH}/subjects`, {
          signal: AbortSignal.timeout(timeoutMs),
          ...(secure ? { headers: { authorization: stackAuthorization(secure) } } : {}),
        });
        // 401: a secured registry asked without credentials (`stack status`) answers, so it is up.
        return response.ok || (secure === undefined && response.status === 401);
      } catch {
        return false;
      }
    },
  };
}

function basicAuthProperties(secure: SecureMaterial): string {
  const file = join(secure.dir, 'registry-auth.properties');
  const password = readFileSync(secure.passwordFile, 'utf8');
  writeFileSync(
    file,
    [
      'quarkus.http.auth.basic=true',
      'quarkus.security.users.embedded.plain-text=true',
      `quarkus.security.users.embedded.users.${secure.username}=${password}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

function stackAuthorization(secure: SecureMaterial): string {
  const password = readFileSync(secure.passwordFile, 'utf8');
  return `Basic ${Buffer.from(`${secure.username}:${password}`).toString('base64')}`;
}
