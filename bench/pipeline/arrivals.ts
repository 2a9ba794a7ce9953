/**
 * How requests are fired: one at a time (sequential), or open-loop Poisson
 * arrivals at a rate (exponential gaps; a late timer never holds later
 * arrivals back, they go out at once). Every request is awaited with a
 * deadline, so a step always ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestOutcome } from './request-outcome.ts';

export type Fire = (index: number) => Promise<RequestOutcome>;

const TIMED_OUT: RequestOutcome = { terminal: 'timeout', ttftMs: undefined, gapsMs: [], e2eMs: undefined };

function withDeadline(outcome: Promise<RequestOutcome>, deadline: Promise<void>): Promise<RequestOutcome> {
  return Promise.race([outcome, deadline.then(() => TIMED_OUT)]);
}

export async function runSequential(count: number, fire: Fire, timeoutMs: number): Promise<RequestOutcome[]> {
  const outcomes: RequestOutcome[] = [];
  for (let i = 0; i < count; i += 1) {
    const controller = new AbortController();
    const deadline = sleep(timeoutMs, undefined, { signal: controller.signal }).catch(() => undefined);
    outcomes.push(await withDeadline(fire(i), deadline));
    controller.abort();
    await sleep(5); // let the pipeline go idle between requests: this mode measures unloaded latency
  }
  return outcomes;
}

/** A request fired by fireOpenLoop: when it went out (ms after `origin`) and its outcome. */
export interface Fired {
  readonly atMs: number;
  readonly outcome: Promise<RequestOutcome>;
}

/** Fires at `rate` per second for `durationMs` and returns without waiting for outcomes. */
export async function fireOpenLoop(
  rate: number,
  durationMs: number,
  fire: Fire,
  origin = performance.now(),
  firstIndex = 0,
): Promise<Fired[]> {
  const fired: Fired[] = [];
  const started = performance.now();
  let due = 0;
  for (let i = firstIndex; ; i += 1) {
    due += (-Math.log(1 - Math.random()) / rate) * 1000;
    if (due >= durationMs) break;
    const wait = started + due - performance.now();
    if (wait >= 1) await sleep(wait);
    fired.push({ atMs: performance.now() - origin, outcome: fire(i) });
  }
  return fired;
}

/** Waits up to `drainMs` for every outcome; the rest count as timed out. */
export async function settle(fired: readonly Fired[], drainMs: number): Promise<RequestOutcome[]> {
  const controller = new AbortController();
  const deadline = sleep(drainMs, undefined, { signal: controller.signal }).catch(() => undefined);
  const outcomes = await Promise.all(fired.map((f) => withDeadline(f.outcome, deadline)));
  controller.abort();
  return outcomes;
}

/** Fires at `rate` per second for `durationMs`, then waits up to `drainMs` for the last outcomes. */
export async function runOpenLoop(
  rate: number,
  durationMs: number,
  drainMs: number,
  fire: Fire,
): Promise<RequestOutcome[]> {
  return settle(await fireOpenLoop(rate, durationMs, fire), drainMs);
}
