/**
 * Where running workers say where their /metrics is: one small JSON file per
 * worker process under <KPO_HOME>/workers/ (default .kpo/workers/), written in
 * Prometheus file_sd format, so the same files feed `kpo status` and the local
 * Prometheus (infra/prometheus/prometheus.yml) without another service.
 *
 *   [{"targets":["127.0.0.1:41234"],"labels":{"stage":"rag","pid":"4242"}}]
 *
 * A worker removes its file when it exits; a file whose process is gone (a
 * crash, SIGKILL) is pruned by the next listWorkerEndpoints().
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackHome } from '../config/stack-endpoints.ts';

export interface WorkerEndpoint {
  readonly stage: string;
  readonly pid: number;
  /** e.g. http://127.0.0.1:41234/metrics */
  readonly metricsUrl: string;
  readonly file: string;
}

export interface RegisterWorkerEndpointOptions {
  readonly stage: string;
  /** host:port the worker's HTTP server listens on (its /metrics route). */
  readonly target: string;
  /** Default process.pid. */
  readonly pid?: number;
  /** Default <KPO_HOME>/workers. */
  readonly dir?: string;
}

export interface WorkerEndpointRegistration {
  readonly file: string;
  /** Removes the file; idempotent. Also runs at process exit. */
  unregister(): void;
}

export function defaultWorkersDir(): string {
  return join(stackHome(), 'workers');
}

interface FileSdGroup {
  readonly targets?: readonly string[];
  readonly labels?: Readonly<Record<string, string>>;
}

export function registerWorkerEndpoint(options: RegisterWorkerEndpointOptions): WorkerEndpointRegistration {
  const dir = options.dir ?? defaultWorkersDir();
  const pid = options.pid ?? process.pid;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${options.stage}-${pid}.json`);
  const group: FileSdGroup = {
    targets: [options.target],
    labels: { stage: options.stage, pid: String(pid) },
  };
  // Write-then-rename: Prometheus and `kpo status` never read a half-written file.
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify([group])}\n`);
  renameSync(temporary, file);
  let registered = true;
  const unregister = (): void => {
    if (!registered) return;
    registered = false;
    process.removeListener('exit', unregister);
    rmSync(file, { force: true });
  };
  process.once('exit', unregister);
  return { file, unregister };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Registered workers, by stage then pid. Files of processes that no longer run are removed. */
export function listWorkerEndpoints(dir: string = defaultWorkersDir()): WorkerEndpoint[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
  const endpoints: WorkerEndpoint[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let groups: FileSdGroup[];
    try {
      groups = JSON.parse(readFileSync(file, 'utf8')) as FileSdGroup[];
    } catch {
      continue;
    }
    for (const group of Array.isArray(groups) ? groups : []) {
      const stage = group.labels?.stage;
      const pid = Number(group.labels?.pid);
      const target = group.targets?.[0];
      if (!stage || !target || !Number.isInteger(pid)) continue;
      if (!alive(pid)) {
        rmSync(file, { force: true });
        continue;
      }
      endpoints.push({ stage, pid, metricsUrl: `http://${target}/metrics`, file });
    }
  }
  return endpoints.sort((a, b) => a.stage.localeCompare(b.stage) || a.pid - b.pid);
}
