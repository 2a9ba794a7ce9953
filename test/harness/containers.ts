/**
 * The testcontainers path of the global setup, for machines with Docker:
 * cp-kafka (KRaft), cp-schema-registry and redis on one network.
 */
import type { ServiceEndpoints } from '../helpers/services.ts';

const PROBE_TIMEOUT_MS = 5_000;
const CP_VERSION = '7.9.1';

export async function containerRuntimeAvailable(): Promise<{ available: boolean; detail: string }> {
  const started = Date.now();
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const probe = getContainerRuntimeClient();
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`probe timed out after ${PROBE_TIMEOUT_MS} ms`)),
        PROBE_TIMEOUT_MS,
      ).unref(),
    );
    const client = await Promise.race([probe, timeout]);
    return { available: true, detail: `container runtime ${client.info.containerRuntime.host}` };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { available: false, detail: `probe failed in ${Date.now() - started} ms: ${reason}` };
  }
}

export async function startContainers(): Promise<{ endpoints: ServiceEndpoints; teardown(): Promise<void> }> {
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { RedisContainer } = await import('@testcontainers/redis');
  const network = await new Network().start();
  const kafka = await new KafkaContainer(`confluentinc/cp-kafka:${CP_VERSION}`)
    .withKraft()
    .withNetwork(network)
    .withNetworkAliases('kafka')
    .start();
  const registry = await new GenericContainer(`confluentinc/cp-schema-registry:${CP_VERSION}`)
    .withNetwork(network)
    .withEnvironment({
      SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
      SCHEMA_REGISTRY_LISTENERS: 'http://0.0.0.0:8081',
      SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: 'PLAINTEXT://kafka:9092',
    })
    .withExposedPorts(8081)
    .withWaitStrategy(Wait.forHttp('/subjects', 8081))
    .start();
  const redis = await new RedisContainer('redis:7').start();
  return {
    endpoints: {
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      schemaRegistryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8081)}`,
      redisUrl: redis.getConnectionUrl(),
    },
    async teardown() {
      await Promise.allSettled([kafka.stop(), registry.stop(), redis.stop()]);
      await network.stop();
    },
  };
}
