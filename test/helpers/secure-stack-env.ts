/**
 * Environment for a secured local stack of a test's own (`stack up --secure`): its own home (so its own CA,
 * certificates and password) and 12 consecutive free ports, sharing the downloads.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stackHome } from '../../shared/config/stack-endpoints.ts';
import { freePortRange } from './free-port.ts';

export async function secureStackEnv(): Promise<NodeJS.ProcessEnv> {
  // Kafka, its controller, SASL_SSL (+6) and mutual TLS (+7); the registry and its management port; Redis and its TLS port.
  const first = await freePortRange(12);
  return {
    ...process.env,
    KPO_HOME: mkdtempSync(join(tmpdir(), 'kpo-secure-')),
    KPO_DIST: join(stackHome(), 'dist'),
    KPO_KAFKA_PORT: String(first),
    KPO_KAFKA_CONTROLLER_PORT: String(first + 1),
    KPO_REGISTRY_PORT: String(first + 8),
    KPO_REGISTRY_MANAGEMENT_PORT: String(first + 9),
    KPO_REDIS_PORT: String(first + 10),
    KPO_REDIS_TLS_PORT: String(first + 11),
  };
}
