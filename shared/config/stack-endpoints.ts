/**
 * Where the local stack (infra/stack) writes the endpoints of what it started,
 * so tests, workers and the CLI find them without configuration.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StackEndpoints {
  readonly kafkaBroker: string;
  readonly schemaRegistryUrl: string;
  readonly redisUrl: string;
}

/** Project root, found from this file so the CLI works from any working directory. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The git-ignored folder that holds downloads, data, logs and endpoints. Env KPO_HOME overrides. */
export function stackHome(): string {
  return process.env.KPO_HOME ?? join(PROJECT_ROOT, '.kpo');
}

export function stackEndpointsPath(): string {
  return join(stackHome(), 'endpoints.json');
}

export function readStackEndpoints(): StackEndpoints | undefined {
  const path = stackEndpointsPath();
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as StackEndpoints;
}
