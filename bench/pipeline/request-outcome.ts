/**
 * What one request did, as a client saw it, and the per-step summary the
 * bench prints. Every path (pipeline, direct model calls, raw Kafka chain)
 * produces RequestOutcomes so one summary fits all.
 */
import { percentiles, type Percentiles } from './percentiles.ts';

export type Terminal = 'done' | 'error' | 'shed' | 'rejected' | 'cancelled' | 'timeout';

export interface RequestOutcome {
  readonly terminal: Terminal;
  /** Send → first token (or, for the raw chain, → the record at the end). */
  readonly ttftMs: number | undefined;
  /** Gaps between successive token events. */
  readonly gapsMs: readonly number[];
  /** Send → terminal event. */
  readonly e2eMs: number | undefined;
  /** Terminal event seen − the stream stage's timestamp on it (shed/rejected: how late the client heard). */
  readonly terminalDelayMs?: number;
  readonly requestId?: string;
  /** Epoch ms: the client sent the request, saw its first token, saw its terminal event. */
  readonly sentAtMs?: number;
  readonly firstTokenAtMs?: number;
  readonly terminalAtMs?: number;
}

/** A performance.now() reading as epoch ms, comparable with Kafka record timestamps. */
export const epochMs = (monotonicMs: number): number => performance.timeOrigin + monotonicMs;

export interface StepSummary {
  readonly requests: number;
  readonly completed: number;
  readonly failed: number;
  readonly shed: number;
  readonly ttft: Percentiles;
  readonly itl: Percentiles;
  readonly e2e: Percentiles;
}

export function summarize(outcomes: readonly RequestOutcome[]): StepSummary {
  const done = outcomes.filter((o) => o.terminal === 'done');
  return {
    requests: outcomes.length,
    completed: done.length,
    failed: outcomes.filter(
      (o) => o.terminal === 'error' || o.terminal === 'timeout' || o.terminal === 'cancelled',
    ).length,
    shed: outcomes.filter((o) => o.terminal === 'shed' || o.terminal === 'rejected').length,
    ttft: percentiles(done.flatMap((o) => (o.ttftMs === undefined ? [] : [o.ttftMs]))),
    itl: percentiles(done.flatMap((o) => o.gapsMs)),
    e2e: percentiles(done.flatMap((o) => (o.e2eMs === undefined ? [] : [o.e2eMs]))),
  };
}
