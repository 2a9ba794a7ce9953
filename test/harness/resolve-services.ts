/**
 * The global setup's one decision: where the real services come from.
 * 1. endpoints given in the environment (KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL);
 * 2. testcontainers, when a container runtime answers (the probe fails in milliseconds without one);
 * 3. the project's local stack (infra/stack), started if it is not running.
 */
import type { ServiceEndpoints } from '../helpers/services.ts';
import { stackDown, stackStatus, stackUp } from '../../infra/stack/local-stack.ts';
import { containerRuntimeAvailable, startContainers } from './containers.ts';
import { stackKafkaBrokers } from '../../shared/config/stack-endpoints.ts';

export interface ResolvedServices {
  readonly endpoints: ServiceEndpoints;
  readonly source: 'environment' | 'testcontainers' | 'local-stack';
  readonly detail: string;
  /** Stops what the setup itself started; a no-op for services it found running. */
  teardown(): Promise<void>;
}

export async function resolveServices(env: NodeJS.ProcessEnv = process.env): Promise<ResolvedServices> {
  const { KAFKA_BROKERS, SCHEMA_REGISTRY_URL, REDIS_URL } = env;
  if (KAFKA_BROKERS && SCHEMA_REGISTRY_URL && REDIS_URL) {
    return {
      endpoints: {
        kafkaBrokers: KAFKA_BROKERS.split(','),
        schemaRegistryUrl: SCHEMA_REGISTRY_URL,
        redisUrl: REDIS_URL,
      },
      source: 'environment',
      detail: 'KAFKA_BROKERS, SCHEMA_REGISTRY_URL and REDIS_URL were set',
      teardown: async () => undefined,
    };
  }
  const probe = await containerRuntimeAvailable();
  if (probe.available) {
    const containers = await startContainers();
    return { ...containers, source: 'testcontainers', detail: probe.detail };
  }
  const wasRunning = (await stackStatus()).every((s) => s.answering);
  const up = await stackUp((line) => console.log(`[setup] stack: ${line}`));
  return {
    endpoints: {
      kafkaBrokers: stackKafkaBrokers(up.endpoints),
      schemaRegistryUrl: up.endpoints.schemaRegistryUrl,
      redisUrl: up.endpoints.redisUrl,
    },
    source: 'local-stack',
    detail: `no container runtime (${probe.detail}); local stack ${wasRunning ? 'was already running' : `started in ${up.readyMs} ms`}`,
    teardown: async () => {
      if (!wasRunning) await stackDown();
    },
  };
}
