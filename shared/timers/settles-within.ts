/**
 * Waits at most ms for `work` to settle, either way (its outcome is the caller's business): true when it
 * settled in time. The node:timers/promises timer is cleared as soon as work settles. `ref: false` lets the
 * process exit while only this wait is pending (like AbortSignal.timeout); the default keeps it alive.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export async function settlesWithin(
  work: Promise<unknown>,
  ms: number,
  options: { readonly ref?: boolean } = {},
): Promise<boolean> {
  const clearTimer = new AbortController();
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      sleep(ms, false, { signal: clearTimer.signal, ref: options.ref ?? true }),
    ]);
  } finally {
    clearTimer.abort(); // the sleep's AbortError goes to Promise.race, which already settled
  }
}
