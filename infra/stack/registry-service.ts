/**
 * Apicurio Registry 3.x (Quarkus, in-memory storage) on loopback. Clients use
 * its Confluent-compatible API under /apis/ccompat/v7.
 */
import type { LocalService } from './local-service.ts';
import type { StackLayout } from './stack-layout.ts';
import { startDetached } from './service-process.ts';

export const CCOMPAT_PATH = '/apis/ccompat/v7';

export function registryService(layout: StackLayout): LocalService {
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
        },
        logFile: layout.logFile('registry'),
        pidFile: layout.pidFile('registry'),
      });
    },
    async probe(timeoutMs) {
      try {
        const response = await fetch(`${base}${CCOMPAT_PATH}/subjects`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        return response.ok;
      } catch {
        return false;
      }
    },
  };
}
