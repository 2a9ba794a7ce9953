/**
 * up / down / status of the local stack: Kafka, Apicurio Registry and Redis as
 * plain processes on loopback, for machines without Docker. `up` is idempotent,
 * returns only when every service answers, and on failure stops what it started.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stackEndpointsPath, type StackEndpoints } from '../../shared/config/stack-endpoints.ts';
import { findPrerequisites } from './prerequisites.ts';
import { fetchDistributions } from './fetch-distributions.ts';
import { fetchRedisServer } from './redis-binary.ts';
import { kafkaService } from './kafka-service.ts';
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

function services(layout: StackLayout): LocalService[] {
  return [kafkaService(layout), registryService(layout), redisService(layout)];
}

export async function stackUp(log: (line: string) => void = () => undefined): Promise<UpResult> {
  const began = Date.now();
  const layout = stackLayout();
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

  const all = services(layout);
  const toStart: LocalService[] = [];
  for (const service of all) {
    const pid = readPid(layout.pidFile(service.name));
    if (pid !== undefined && isAlive(pid) && (await service.probe(2_000))) continue;
    if (pid !== undefined) await stopProcess(layout.pidFile(service.name)); // stale or half-started: restart it
    if (!(await portIsFree(service.port))) {
      throw new KpoError(
        'KPO_STACK_START',
        `port ${service.port} for ${service.name} is taken by a process the stack did not start. Fix: stop it, or set KPO_${service.name === 'registry' ? 'REGISTRY' : service.name.toUpperCase()}_PORT to a free port`,
      );
    }
    toStart.push(service);
  }

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

  const [kafka, registry, redis] = all;
  const endpoints: StackEndpoints = {
    kafkaBroker: kafka!.endpoint,
    schemaRegistryUrl: registry!.endpoint,
    redisUrl: redis!.endpoint,
  };
  writeFileSync(stackEndpointsPath(), `${JSON.stringify(endpoints, null, 2)}\n`);
  return {
    endpoints,
    started: toStart.map((s) => s.name),
    downloaded,
    redisServer: prerequisites.redisServer.path,
    readyMs: Date.now() - began,
    startMs,
  };
}

export async function stackDown(log: (line: string) => void = () => undefined): Promise<void> {
  const layout = stackLayout();
  for (const service of services(layout).reverse()) {
    if (await stopProcess(layout.pidFile(service.name))) log(`${service.name} stopped`);
  }
  rmSync(stackEndpointsPath(), { force: true });
}

export async function stackStatus(): Promise<ServiceStatus[]> {
  const layout = stackLayout();
  return Promise.all(
    services(layout).map(async (service) => {
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

function residentMiB(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Math.round(Number(kb) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
