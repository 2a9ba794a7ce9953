/**
 * Starts a service as a detached process with its output in a log file and
 * its pid in a pid file, so `down` (even from another shell) stops exactly
 * what `up` started.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { KpoError } from '../../shared/errors/kpo-error.ts';

/** How long a SIGKILLed process may take to disappear before stopProcess gives up with KPO_STACK_STOP. */
const KILL_WAIT_MS = 5_000;

export interface StartSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile: string;
  readonly pidFile: string;
}

export function startDetached(spec: StartSpec): number {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const log = openSync(spec.logFile, 'w');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    // A spawn failure also emits 'error' a tick later; the throw below reports it, so the event must not crash us.
    child.once('error', () => undefined);
    if (child.pid === undefined) throw new Error(`could not spawn ${spec.command}`);
    child.unref();
    writeFileSync(spec.pidFile, String(child.pid));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function readPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True once pid is gone; false when it still runs after ms (checked every pollMs). */
async function exitsWithin(pid: number, ms: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/**
 * SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone; throws KPO_STACK_STOP (pid file
 * kept) when it still exists killWaitMs after the SIGKILL: a zombie its parent does not reap, or a process
 * stuck in the kernel.
 */
export async function stopProcess(
  pidFile: string,
  graceMs = 10_000,
  killWaitMs = KILL_WAIT_MS,
): Promise<boolean> {
  const pid = readPid(pidFile);
  if (pid === undefined) return false;
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(-pid, name); // the whole process group: java launchers fork
    } catch {
      try {
        process.kill(pid, name);
      } catch {
        /* already gone */
      }
    }
  };
  if (isAlive(pid)) {
    signal('SIGTERM');
    if (!(await exitsWithin(pid, graceMs, 100))) {
      signal('SIGKILL');
      if (!(await exitsWithin(pid, killWaitMs, 50))) {
        throw new KpoError(
          'KPO_STACK_STOP',
          `process ${pid} (pid file ${pidFile}) still exists ${killWaitMs} ms after SIGKILL. Fix: see \`ps -o stat,ppid -p ${pid}\` (Z: its parent has not reaped it; D: it waits in the kernel), then remove the pid file`,
        );
      }
    }
  }
  rmSync(pidFile, { force: true });
  return true;
}

/** True when nothing listens on 127.0.0.1:port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
