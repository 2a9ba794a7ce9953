/**
 * The project's one backoff formula: exponential with full jitter, a random
 * wait in [0, min(maxMs, baseMs·2^(attempt−1))] ("full jitter", so retries of
 * many workers spread out instead of arriving together). `attempt` counts the
 * failed attempts, from 1.
 */
export function exponentialBackoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 1) - 1, 30));
  return Math.floor(random() * ceiling);
}
