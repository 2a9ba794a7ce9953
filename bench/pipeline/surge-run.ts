/**
 * The surge scenario: steady load at `base` req/s, then 10× for
 * `surgeSeconds`, then `base` again. Reports admitted requests' p99 TTFT in
 * the surge against the steady value, shed/rejected counts and how late
 * their terminal events reached the client after the pipeline decided
 * (record-time-watch.ts), and how long after the surge's end latency came
 * back to the steady value (p99 over 2 s windows).
 */
import { fireOpenLoop, settle, type Fire, type Fired } from './arrivals.ts';
import { percentiles } from './percentiles.ts';
import type { RequestOutcome } from './request-outcome.ts';

const WINDOW_MS = 2_000;

export interface SurgeResult {
  readonly base_rps: number;
  readonly surge_rps: number;
  readonly surge_seconds: number;
  readonly steady_ttft_p99_ms: number;
  readonly surge_admitted_ttft_p99_ms: number;
  readonly admitted_p99_ratio: number;
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  readonly shed: number;
  /** Shed/rejected events: client receive time minus the time the stream stage wrote the event. */
  readonly shed_terminal_delay_p99_ms: number;
  /** Shed/rejected events: client receive time minus the time a stage decided to shed or reject. */
  readonly shed_decision_to_client_p50_ms: number;
  readonly shed_decision_to_client_p99_ms: number;
  /** Shed/rejected requests whose decision record the watch did not see (not in the figure above). */
  readonly shed_decision_unseen: number;
  /** Shed/rejected events: send → terminal event. */
  readonly shed_e2e_p99_ms: number;
  /** First 2 s window after the surge from which every window's p99 TTFT is ≤ 1.5× steady (-1: never). */
  readonly recovery_ms: number;
}

export async function runSurge(
  fire: Fire,
  base: number,
  surgeSeconds: number,
  steadySeconds: number,
  drainMs: number,
  decisionTimeOf: (requestId: string) => number | undefined,
): Promise<SurgeResult> {
  const origin = performance.now();
  const steady = await fireOpenLoop(base, steadySeconds * 1000, fire, origin, 0);
  const surgeStart = performance.now() - origin;
  const surge = await fireOpenLoop(base * 10, surgeSeconds * 1000, fire, origin, steady.length);
  const surgeEnd = performance.now() - origin;
  const after = await fireOpenLoop(base, steadySeconds * 1000, fire, origin, steady.length + surge.length);
  const all: Fired[] = [...steady, ...surge, ...after];
  const outcomes = await settle(all, drainMs);
  const phaseOf = (i: number): Fired => all[i]!;
  const ttftsWhere = (keep: (f: Fired) => boolean): number[] =>
    outcomes.flatMap((o, i) =>
      keep(phaseOf(i)) && o.terminal === 'done' && o.ttftMs !== undefined ? [o.ttftMs] : [],
    );
  const steadyP99 = percentiles(ttftsWhere((f) => f.atMs < surgeStart)).p99;
  const surgeP99 = percentiles(ttftsWhere((f) => f.atMs >= surgeStart && f.atMs < surgeEnd)).p99;
  const shedOutcomes = outcomes.filter((o) => o.terminal === 'shed' || o.terminal === 'rejected');
  const decisionToClient = shedOutcomes.flatMap((o) => {
    const decidedAt = o.requestId === undefined ? undefined : decisionTimeOf(o.requestId);
    return decidedAt === undefined || o.terminalAtMs === undefined ? [] : [o.terminalAtMs - decidedAt];
  });
  const decisionPercentiles = percentiles(decisionToClient);
  return {
    base_rps: base,
    surge_rps: base * 10,
    surge_seconds: surgeSeconds,
    steady_ttft_p99_ms: steadyP99,
    surge_admitted_ttft_p99_ms: surgeP99,
    admitted_p99_ratio: Math.round((surgeP99 / steadyP99) * 100) / 100,
    requests: outcomes.length,
    completed: outcomes.filter((o) => o.terminal === 'done').length,
    failed: outcomes.filter((o) => ['error', 'timeout', 'cancelled'].includes(o.terminal)).length,
    shed: shedOutcomes.length,
    shed_terminal_delay_p99_ms: percentiles(shedOutcomes.flatMap((o) => o.terminalDelayMs ?? [])).p99,
    shed_decision_to_client_p50_ms: decisionPercentiles.p50,
    shed_decision_to_client_p99_ms: decisionPercentiles.p99,
    shed_decision_unseen: shedOutcomes.length - decisionToClient.length,
    shed_e2e_p99_ms: percentiles(shedOutcomes.flatMap((o) => o.e2eMs ?? [])).p99,
    recovery_ms: recoveryMs(all, outcomes, surgeEnd, steadyP99),
  };
}

function recoveryMs(
  all: readonly Fired[],
  outcomes: readonly RequestOutcome[],
  surgeEnd: number,
  steadyP99: number,
): number {
  const windows = new Map<number, number[]>();
  outcomes.forEach((o, i) => {
    const at = all[i]!.atMs;
    if (at < surgeEnd || o.terminal !== 'done' || o.ttftMs === undefined) return;
    const w = Math.floor((at - surgeEnd) / WINDOW_MS);
    windows.set(w, [...(windows.get(w) ?? []), o.ttftMs]);
  });
  const keys = [...windows.keys()].sort((a, b) => a - b);
  const good = keys.map((k) => percentiles(windows.get(k)!).p99 <= 1.5 * steadyP99);
  for (let i = 0; i < keys.length; i += 1) if (good.slice(i).every(Boolean)) return keys[i]! * WINDOW_MS;
  return -1;
}
