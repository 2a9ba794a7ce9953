/**
 * When to retry a failed handler attempt and how long to wait: the project's
 * backoff (shared/timers/exponential-backoff.ts: full jitter), a bounded number
 * of attempts, and a retry-after hint honoured up to maxDelayMs.
 */
import type { KpoError } from '../errors/kpo-error.ts';
import { exponentialBackoffMs } from '../timers/exponential-backoff.ts';

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
    const jittered = this.backoffMs(attempt);
    if (error.retryAfterMs === undefined) return jittered;
    return Math.min(this.settings.maxDelayMs, Math.max(error.retryAfterMs, jittered));
  }

  /** The wait after failed attempt `attempt` (from 1), without a retry-after hint. */
  backoffMs(attempt: number): number {
    return exponentialBackoffMs(attempt, this.settings.baseDelayMs, this.settings.maxDelayMs, this.random);
  }
}
