/**
 * The processes `kpo up` / `kpo demo` start: each with its output in its own
 * log file, each waited on for a ready line (with a timeout), and all stopped
 * together — SIGTERM, then SIGKILL after a grace period — on exit or Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { readyLine } from '../../infra/child-process/ready-line.ts';
import { stopChild } from '../../infra/child-process/stop-child.ts';

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
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => log.write(`${line}\n`));
    return readyLine(child, {
      lines,
      pattern: spec.readyLine,
      timeoutMs: spec.readyTimeoutMs,
      name: spec.name,
      detail: () => ` (log: ${spec.logFile})`,
    });
  }

  /** Every child still running, by name (for status lines). */
  names(): string[] {
    return this.running.filter((r) => r.child.exitCode === null).map((r) => r.spec.name);
  }

  /** Stops every child (workers first, in reverse start order); rejects when one would not go. Idempotent. */
  stopAll(graceMs = 15_000): Promise<void> {
    this.stopping ??= Promise.allSettled(
      [...this.running].reverse().map(({ child }) => stopChild(child, graceMs)),
    ).then((outcomes) => {
      const failed = outcomes.find((outcome) => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    });
    return this.stopping;
  }
}
