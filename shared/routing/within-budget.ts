/**
 * Rejects after `ms` unless `work` settled. When the timer fires, the reply
 * may already sit in the socket, unread because the event loop was busy: one
 * setImmediate lets the poll phase deliver it before giving up.
 */
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';

export async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  const clearTimer = new AbortController();
  const overBudget = async (): Promise<never> => {
    await sleep(ms, undefined, { signal: clearTimer.signal });
    await setImmediate(undefined, { signal: clearTimer.signal });
    throw new Error(`passed its ${ms} ms budget`);
  };
  try {
    return await Promise.race([work, overBudget()]);
  } finally {
    clearTimer.abort(); // the timer's AbortError goes to Promise.race, which already settled
  }
}
