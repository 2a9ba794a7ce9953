/**
 * Stopping a child process this process spawned: SIGTERM, then SIGKILL after
 * graceMs. Resolves once it exited; rejects when it is still there
 * killWaitMs after the SIGKILL (stuck in the kernel), so no stop hangs.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { settlesWithin } from '../../shared/timers/settles-within.ts';

export async function stopChild(child: ChildProcess, graceMs = 5_000, killWaitMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  if (await settlesWithin(exited, graceMs)) return;
  child.kill('SIGKILL');
  if (!(await settlesWithin(exited, killWaitMs)))
    throw new Error(`process ${child.pid} still runs ${killWaitMs} ms after SIGKILL`);
}
