/** Spawns test/fixtures/runtime/worker-process.ts as a child process and follows its event lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { serviceEndpoints } from '../../helpers/services.ts';

const SCRIPT = fileURLToPath(new URL('../../fixtures/runtime/worker-process.ts', import.meta.url));

export interface WorkerChild {
  readonly process: ChildProcess;
  readonly events: Record<string, unknown>[];
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly stderr: () => string;
  has(event: string, field?: string, value?: unknown): boolean;
}

export function spawnWorker(t: TestContext, env: Record<string, string>): WorkerChild {
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: { ...process.env, KAFKA_BROKERS: serviceEndpoints().kafkaBrokers.join(','), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    try {
      events.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not an event line
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-8_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return {
    process: child,
    events,
    exited,
    stderr: () => stderr,
    has: (event, field, value) =>
      events.some((e) => e.event === event && (field === undefined || e[field] === value)),
  };
}
