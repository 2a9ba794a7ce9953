/** Waits ms milliseconds with node:timers/promises; true when the time passed, false when the signal aborted first. */
import { setTimeout as sleep } from 'node:timers/promises';

export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  return sleep(ms, true, { signal }).catch(() => false);
}
