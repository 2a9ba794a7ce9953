/** redis-server (the machine's, or the embedded-redis build) on loopback, nothing persisted (no RDB, no AOF). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { LocalService } from './local-service.ts';
import type { StackLayout } from './stack-layout.ts';
import { startDetached } from './service-process.ts';
import { findRedisServer } from './redis-binary.ts';

export function redisService(layout: StackLayout): LocalService {
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
      });
      client.on('error', () => undefined);
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    },
  };
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
