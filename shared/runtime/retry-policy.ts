/**
 * When to retry a failed handler attempt and how long to wait: exponential
 * backoff with full jitter (random in [0, min(maxDelay, base·2^(attempt−1))]),
 * a bounded number of attempts, and a retry-after hint honoured up to maxDelayMs.
 */
import type { KpoError } from '../errors/kpo-error.ts';

export interface RetrySettings {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export type RetryDecision =
  { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly exhausted: boolean };

export class RetryPolicy {
  constructor(
    private readonly settings: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** `attempt` is the attempt that just failed (from 1). */
  decide(error: KpoError, attempt: number): RetryDecision {
    if (!error.retryable) return { retry: false, exhausted: false };
    if (attempt >= this.settings.maxAttempts) return { retry: false, exhausted: true };
    return { retry: true, delayMs: this.delayFor(error, attempt) };
  }

  delayFor(error: KpoError, attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.settings;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(attempt - 1, 30));
    const jittered = Math.floor(this.random() * ceiling);
    if (error.retryAfterMs === undefined) return jittered;
    return Math.min(maxDelayMs, Math.max(error.retryAfterMs, jittered));
  }
}
