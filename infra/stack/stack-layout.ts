/**
 * Where the local stack keeps things and which ports it uses. Everything lives
 * under one git-ignored folder (.kpo/ at the project root, or $KPO_HOME).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, stackHome } from '../../shared/config/stack-endpoints.ts';

/** 'kafka' is the first Kafka node; a multi-node cluster adds 'kafka-2', 'kafka-3', … */
export type ServiceName = 'kafka' | `kafka-${number}` | 'registry' | 'redis';

export interface StackLayout {
  readonly home: string;
  readonly distDir: string;
  readonly kafkaLibs: string;
  readonly registryDir: string;
  /** Where redis-server binaries unpacked from the embedded-redis jar go (when the machine has none). */
  readonly redisDir: string;
  readonly pomPath: string;
  readonly versions: { readonly kafka: string; readonly apicurio: string; readonly redisBinary: string };
  readonly ports: {
    /** Kafka client listener. Env KPO_KAFKA_PORT. Default 19092. */
    readonly kafka: number;
    /** KRaft controller listener. Env KPO_KAFKA_CONTROLLER_PORT. Default 19093. */
    readonly kafkaController: number;
    /** `up --secure`: the SASL_SSL listener (PLAIN, SCRAM-SHA-512). Env KPO_KAFKA_SASL_PORT. Default kafka + 6. */
    readonly kafkaSasl: number;
    /** `up --secure`: the mutual-TLS listener. Env KPO_KAFKA_MTLS_PORT. Default kafka + 7. */
    readonly kafkaMtls: number;
    /** Apicurio HTTP. Env KPO_REGISTRY_PORT. Default 18081. */
    readonly registry: number;
    /** Apicurio's Quarkus management port (health, metrics). Env KPO_REGISTRY_MANAGEMENT_PORT. Default registry + 1. */
    readonly registryManagement: number;
    /** Redis. Env KPO_REDIS_PORT. Default 16379. */
    readonly redis: number;
    /** `up --secure`: Redis' TLS port. Env KPO_REDIS_TLS_PORT. Default redis + 1. */
    readonly redisTls: number;
  };
  /** Client and controller ports of Kafka node `index` (0-based): the configured pair, then +2 per node. */
  kafkaNodePorts(index: number): { readonly client: number; readonly controller: number };
  /** Where `up` records how many Kafka nodes it started, so `down`/`status` see the whole cluster. */
  readonly kafkaNodesFile: string;
  /** Present while the stack was started with `up --secure`. */
  readonly secureMarkerFile: string;
  dataDir(service: ServiceName): string;
  logFile(service: ServiceName): string;
  pidFile(service: ServiceName): string;
}

export function stackLayout(env: NodeJS.ProcessEnv = process.env): StackLayout {
  const home = stackHome(env);
  const pomPath = join(PROJECT_ROOT, 'infra', 'maven', 'pom.xml');
  const versions = readVersions(pomPath);
  // KPO_DIST lets several stack homes share one download.
  const distDir = env.KPO_DIST ?? join(home, 'dist');
  const kafkaPort = port(env.KPO_KAFKA_PORT, 19092, 'KPO_KAFKA_PORT');
  const controllerPort = port(env.KPO_KAFKA_CONTROLLER_PORT, 19093, 'KPO_KAFKA_CONTROLLER_PORT');
  return {
    home,
    distDir,
    kafkaLibs: join(distDir, `kafka-${versions.kafka}`, 'libs'),
    registryDir: join(distDir, `apicurio-${versions.apicurio}`),
    redisDir: join(distDir, `redis-${versions.redisBinary}`),
    pomPath,
    versions,
    ports: {
      kafka: kafkaPort,
      kafkaController: controllerPort,
      kafkaSasl: port(env.KPO_KAFKA_SASL_PORT, kafkaPort + 6, 'KPO_KAFKA_SASL_PORT'),
      kafkaMtls: port(env.KPO_KAFKA_MTLS_PORT, kafkaPort + 7, 'KPO_KAFKA_MTLS_PORT'),
      registry: port(env.KPO_REGISTRY_PORT, 18081, 'KPO_REGISTRY_PORT'),
      registryManagement: port(
        env.KPO_REGISTRY_MANAGEMENT_PORT,
        port(env.KPO_REGISTRY_PORT, 18081, 'KPO_REGISTRY_PORT') + 1,
        'KPO_REGISTRY_MANAGEMENT_PORT',
      ),
      redis: port(env.KPO_REDIS_PORT, 16379, 'KPO_REDIS_PORT'),
      redisTls: port(
        env.KPO_REDIS_TLS_PORT,
        port(env.KPO_REDIS_PORT, 16379, 'KPO_REDIS_PORT') + 1,
        'KPO_REDIS_TLS_PORT',
      ),
    },
    kafkaNodePorts: (index) => ({ client: kafkaPort + 2 * index, controller: controllerPort + 2 * index }),
    kafkaNodesFile: join(home, 'run', 'kafka-nodes'),
    secureMarkerFile: join(home, 'run', 'secure'),
    dataDir: (service) => join(home, 'data', service),
    logFile: (service) => join(home, 'logs', `${service}.log`),
    pidFile: (service) => join(home, 'run', `${service}.pid`),
  };
}

/** Versions are declared once, in the pom that downloads them. */
function readVersions(pomPath: string): StackLayout['versions'] {
  const pom = readFileSync(pomPath, 'utf8');
  const read = (name: string): string => {
    const match = new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom);
    if (!match?.[1]) throw new Error(`${pomPath}: property <${name}> missing`);
    return match[1];
  };
  return {
    kafka: read('kafka.version'),
    apicurio: read('apicurio.version'),
    redisBinary: read('redis.binary.version'),
  };
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65_535) {
    throw new Error(`${name}=${value}: expected a TCP port number (1-65535)`);
  }
  return parsed;
}
