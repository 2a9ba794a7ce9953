/**
 * The processes `kpo up` / `kpo demo` start: each with its output in its own
 * log file, each waited on for a ready line (with a timeout), and all stopped
 * together — SIGTERM, then SIGKILL after a grace period — on exit or Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** A line on stdout that says the process is ready; its match is returned. */
  readonly readyLine: RegExp;
  readonly readyTimeoutMs: number;
}

interface Running {
  readonly spec: ChildSpec;
  readonly child: ChildProcess;
}

export class ChildProcessGroup {
  private readonly running: Running[] = [];
  private stopping: Promise<void> | undefined;

  /** Starts a child and resolves with the ready line's match; rejects (and kills it) on exit or timeout. */
  start(spec: ChildSpec): Promise<RegExpMatchArray> {
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const log = createWriteStream(spec.logFile, { flags: 'a' });
    const child = spawn(spec.command, [...spec.args], {
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.running.push({ spec, child });
    child.stderr?.pipe(log);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs} ms (log: ${spec.logFile})`),
        );
      }, spec.readyTimeoutMs);
      const lines = createInterface({ input: child.stdout });
      let ready = false;
      lines.on('line', (line) => {
        log.write(`${line}\n`);
        const match = ready ? null : spec.readyLine.exec(line);
        if (match) {
          ready = true;
          clearTimeout(timer);
          resolve(match);
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready)
          reject(
            new Error(`${spec.name} exited (${signal ?? code}) before it was ready (log: ${spec.logFile})`),
          );
      });
    });
  }

  /** Every child still running, by name (for status lines). */
  names(): string[] {
    return this.running.filter((r) => r.child.exitCode === null).map((r) => r.spec.name);
  }

  /** Stops every child (workers first, in reverse start order). Idempotent. */
  stopAll(graceMs = 15_000): Promise<void> {
    this.stopping ??= Promise.all(
      [...this.running].reverse().map(
        ({ child }) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(killer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    ).then(() => undefined);
    return this.stopping;
  }
}
