/**
 * up / down / status of the local stack: Kafka, Apicurio Registry and Redis as
 * plain processes on loopback, for machines without Docker. `up` is idempotent,
 * returns only when every service answers, and on failure stops what it started.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  stackEndpointsPath,
  type SecureStackEndpoints,
  type StackEndpoints,
} from '../../shared/config/stack-endpoints.ts';
import { createSecureMaterial, type SecureMaterial } from './secure-material.ts';
import { findPrerequisites } from './prerequisites.ts';
import { fetchDistributions } from './fetch-distributions.ts';
import { fetchRedisServer } from './redis-binary.ts';
import { kafkaServices } from './kafka-service.ts';
import { registryService } from './registry-service.ts';
import { redisService } from './redis-service.ts';
import { waitUntilReady, type LocalService } from './local-service.ts';
import { isAlive, portIsFree, readPid, stopProcess } from './service-process.ts';
import { stackLayout, type StackLayout } from './stack-layout.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

/** Generous for a cold JVM on a busy 2-core machine; a warm start takes a few seconds. */
const READY_TIMEOUT_MS = 90_000;

export interface ServiceStatus {
  readonly name: string;
  readonly version: string;
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly answering: boolean;
  readonly rssMiB: number | undefined;
}

export interface UpResult {
  readonly endpoints: StackEndpoints;
  readonly started: readonly string[];
  readonly downloaded: boolean;
  /** The redis-server binary the stack runs (the machine's, or the one unpacked into .kpo/). */
  readonly redisServer: string;
  readonly readyMs: number;
  readonly startMs: Readonly<Record<string, number>>;
}

export interface UpOptions {
  /** Kafka nodes (`--brokers`). Default: as many as the running stack has, else 1. */
  readonly brokers?: number;
  /** Where the stack lives and its ports (KPO_HOME, KPO_*_PORT). Default process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Start only these services (a test that brings its own Kafka cluster next to the shared registry/Redis). */
  readonly only?: readonly ('kafka' | 'registry' | 'redis')[];
  /**
   * `--secure`: Kafka also listens with SASL_SSL (PLAIN and SCRAM-SHA-512) and mutual TLS, Redis also on a
   * TLS port and only for an ACL user with a password, the registry only with basic auth; with a CA,
   * certificates and a password made fresh into <home>/secure (endpoints.json says where). One node only.
   */
  readonly secure?: boolean;
}

function services(layout: StackLayout, kafkaNodes: number, secure?: SecureMaterial): LocalService[] {
  return [
    ...kafkaServices(layout, kafkaNodes, secure),
    registryService(layout, secure),
    redisService(layout, secure),
  ];
}

/** How many Kafka nodes the stack last started (1 when it never recorded a number). */
function recordedKafkaNodes(layout: StackLayout): number {
  try {
    const nodes = Number(readFileSync(layout.kafkaNodesFile, 'utf8').trim());
    return Number.isInteger(nodes) && nodes > 0 ? nodes : 1;
  } catch {
    return 1;
  }
}

const isKafkaNode = (service: LocalService): boolean => service.name.startsWith('kafka');
const serviceKind = (service: LocalService): 'kafka' | 'registry' | 'redis' =>
  isKafkaNode(service) ? 'kafka' : service.name === 'registry' ? 'registry' : 'redis';

export async function stackUp(
  log: (line: string) => void = () => undefined,
  options: UpOptions = {},
): Promise<UpResult> {
  const began = Date.now();
  const env = options.env ?? process.env;
  const layout = stackLayout(env);
  const running = recordedKafkaNodes(layout);
  const kafkaNodes = options.brokers ?? running;
  const firstNodePid = readPid(layout.pidFile('kafka'));
  if (kafkaNodes !== running && firstNodePid !== undefined && isAlive(firstNodePid)) {
    throw new KpoError(
      'KPO_STACK_START',
      `the stack runs ${running} Kafka broker(s), not ${kafkaNodes}. Fix: \`npm run stack -- down\` first`,
    );
  }
  const prerequisites = findPrerequisites(layout);
  mkdirSync(layout.home, { recursive: true });
  const downloaded = await fetchDistributions(layout, prerequisites);
  if (downloaded)
    log(
      `downloaded Kafka ${layout.versions.kafka} and Apicurio ${layout.versions.apicurio} (${Date.now() - began} ms)`,
    );
  const redisFetchStarted = Date.now();
  if (await fetchRedisServer(layout, prerequisites.redisServer, prerequisites.mvn))
    log(
      `no redis-server on PATH: unpacked redis-server ${layout.versions.redisBinary} from the embedded-redis jar (${Date.now() - redisFetchStarted} ms)`,
    );

  if (options.secure && kafkaNodes > 1) {
    throw new KpoError('KPO_CONFIG_INVALID', '--secure runs one Kafka node: drop --brokers, or --secure');
  }
  // Fresh certificates and a fresh password would not match what running services hold, and a plain `up` over a
  // secured stack would hand out endpoints without the settings they want: either way, down first.
  const runsSecure = existsSync(layout.secureMarkerFile);
  const alive = (service: LocalService): boolean => {
    const pid = readPid(layout.pidFile(service.name));
    return pid !== undefined && isAlive(pid);
  };
  if ((options.secure || runsSecure) && services(layout, running).some(alive)) {
    const why = options.secure
      ? '--secure would make certificates and a password its running services do not hold'
      : 'it runs with --secure, and a plain up would hand out its endpoints without their credentials';
    throw new KpoError(
      'KPO_STACK_START',
      `the stack already runs: ${why}. Fix: \`npm run stack -- down\` first`,
    );
  }
  const secure = options.secure ? await createSecureMaterial(layout.home) : undefined;
  const all = services(layout, kafkaNodes, secure);
  const wanted = all.filter((s) => options.only?.includes(serviceKind(s)) ?? true);
  let toStart: LocalService[] = [];
  for (const service of wanted) {
    const pid = readPid(layout.pidFile(service.name));
    if (pid !== undefined && isAlive(pid) && (await service.probe(2_000))) continue;
    toStart.push(service);
  }
  // A cluster starts as a whole: a node formatted anew could not join the others' cluster id.
  if (toStart.some(isKafkaNode))
    toStart = [...wanted.filter(isKafkaNode), ...toStart.filter((s) => !isKafkaNode(s))];
  for (const service of toStart) {
    if (readPid(layout.pidFile(service.name)) !== undefined) await stopProcess(layout.pidFile(service.name)); // stale or half-started
    if (!(await portIsFree(service.port))) {
      throw new KpoError(
        'KPO_STACK_START',
        `port ${service.port} for ${service.name} is taken by a process the stack did not start. Fix: stop it, or set ${portVariable(service)} to a free port`,
      );
    }
  }
  mkdirSync(dirname(layout.kafkaNodesFile), { recursive: true });
  writeFileSync(layout.kafkaNodesFile, String(kafkaNodes));
  if (secure) writeFileSync(layout.secureMarkerFile, '');
  else rmSync(layout.secureMarkerFile, { force: true });

  const startMs: Record<string, number> = {};
  try {
    await Promise.all(
      toStart.map(async (service) => {
        const t0 = Date.now();
        const pid = await service.start(prerequisites);
        await waitUntilReady(service, layout, () => isAlive(pid), READY_TIMEOUT_MS);
        startMs[service.name] = Date.now() - t0;
        log(`${service.name} ${service.version} ready at ${service.endpoint} (${startMs[service.name]} ms)`);
      }),
    );
  } catch (error) {
    for (const service of toStart) await stopProcess(layout.pidFile(service.name), 5_000);
    throw error;
  }

  const kafka = all.filter(isKafkaNode);
  const [registry, redis] = all.filter((s) => !isKafkaNode(s));
  const endpoints: StackEndpoints = {
    kafkaBroker: kafka[0]!.endpoint,
    ...(kafka.length > 1 ? { kafkaBrokers: kafka.map((node) => node.endpoint) } : {}),
    schemaRegistryUrl: registry!.endpoint,
    redisUrl: redis!.endpoint,
    ...(secure ? { secure: secureEndpoints(layout, secure) } : {}),
  };
  writeFileSync(stackEndpointsPath(env), `${JSON.stringify(endpoints, null, 2)}\n`);
  return {
    endpoints,
    started: toStart.map((s) => s.name),
    downloaded,
    redisServer: prerequisites.redisServer.path,
    readyMs: Date.now() - began,
    startMs,
  };
}

export async function stackDown(
  log: (line: string) => void = () => undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const layout = stackLayout(env);
  for (const service of services(layout, recordedKafkaNodes(layout)).reverse()) {
    if (await stopProcess(layout.pidFile(service.name))) log(`${service.name} stopped`);
  }
  rmSync(layout.kafkaNodesFile, { force: true });
  rmSync(layout.secureMarkerFile, { force: true });
  rmSync(stackEndpointsPath(env), { force: true });
}

export async function stackStatus(env: NodeJS.ProcessEnv = process.env): Promise<ServiceStatus[]> {
  const layout = stackLayout(env);
  return Promise.all(
    services(layout, recordedKafkaNodes(layout)).map(async (service) => {
      const pid = readPid(layout.pidFile(service.name));
      const running = pid !== undefined && isAlive(pid);
      return {
        name: service.name,
        version: service.version,
        endpoint: service.endpoint,
        pid: running ? pid : undefined,
        running,
        answering: running && (await service.probe(2_000)),
        rssMiB: running ? residentMiB(pid) : undefined,
      };
    }),
  );
}

function secureEndpoints(layout: StackLayout, secure: SecureMaterial): SecureStackEndpoints {
  return {
    saslSslBroker: `127.0.0.1:${layout.ports.kafkaSasl}`,
    mtlsBroker: `127.0.0.1:${layout.ports.kafkaMtls}`,
    redisTlsUrl: `rediss://127.0.0.1:${layout.ports.redisTls}`,
    caFile: secure.caFile,
    clientCertFile: secure.clientCertFile,
    clientKeyFile: secure.clientKeyFile,
    username: secure.username,
    passwordFile: secure.passwordFile,
  };
}

function portVariable(service: LocalService): string {
  if (service.name === 'kafka') return 'KPO_KAFKA_PORT';
  if (isKafkaNode(service))
    return `KPO_KAFKA_PORT (node ${service.name.slice('kafka-'.length)} uses it + 2 per node)`;
  return `KPO_${service.name.toUpperCase()}_PORT`;
}

function residentMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
