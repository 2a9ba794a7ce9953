/**
 * Waiting for a child process to say it is ready: the first line of its
 * stdout that matches a pattern. Gives up when the child exits first, or after
 * timeoutMs (then the child is SIGKILLed, so nothing half-started stays).
 */
import type { ChildProcess } from 'node:child_process';
import { on } from 'node:events';
import type { Interface } from 'node:readline';

export interface ReadyLineWait {
  /** The child's stdout as lines (`createInterface({ input: child.stdout })`); other listeners may read them too. */
  readonly lines: Interface;
  readonly pattern: RegExp;
  readonly timeoutMs: number;
  /** The child's name in the errors. */
  readonly name: string;
  /** Appended to the errors, read when one is thrown (e.g. " (log: …)" or the output so far). */
  readonly detail?: () => string;
}

export async function readyLine(child: ChildProcess, wait: ReadyLineWait): Promise<RegExpExecArray> {
  const detail = wait.detail ?? (() => '');
  // AbortSignal.timeout's timer is unref'd: fine here, a running child keeps the process alive.
  const timeout = AbortSignal.timeout(wait.timeoutMs);
  const exited = new AbortController();
  const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
    exited.abort(new Error(`${wait.name} exited (${signal ?? code}) before it was ready${detail()}`));
  const onError = (error: Error): void => exited.abort(error); // it could not be spawned
  if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  else child.once('exit', onExit).once('error', onError);
  try {
    for await (const [line] of on(wait.lines, 'line', {
      signal: AbortSignal.any([timeout, exited.signal]),
    })) {
      const match = wait.pattern.exec(line as string);
      if (match !== null) return match;
    }
  } catch (error) {
    if (exited.signal.aborted) throw exited.signal.reason;
    if (!timeout.aborted) throw error;
    child.kill('SIGKILL');
    throw new Error(`${wait.name} was not ready within ${wait.timeoutMs} ms${detail()}`);
  } finally {
    child.off('exit', onExit).off('error', onError);
  }
  throw new Error(`${wait.name}'s output ended before it was ready${detail()}`); // on() ends only by its signal
}
