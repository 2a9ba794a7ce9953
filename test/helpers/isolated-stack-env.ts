/**
 * Environment for a local stack of a test's own: its own home and free
 * ports, sharing the downloads, so the stack other tests use is untouched.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { stackHome } from '../../shared/config/stack-endpoints.ts';
import { freePort } from './free-port.ts';

export async function isolatedStackEnv(): Promise<NodeJS.ProcessEnv & { KPO_HOME: string }> {
  return {
    ...process.env,
    KPO_HOME: mkdtempSync(join(tmpdir(), 'kpo-stack-')),
    KPO_DIST: join(stackHome(), 'dist'),
    KPO_KAFKA_PORT: String(await freePort()),
    KPO_KAFKA_CONTROLLER_PORT: String(await freePort()),
    KPO_REGISTRY_PORT: String(await freePort()),
    KPO_REGISTRY_MANAGEMENT_PORT: String(await freePort()),
    KPO_REDIS_PORT: String(await freePort()),
  };
}
