/** Figures of one policy run: prefix-cache hit rate on follow-ups, TTFT percentiles, load spread. */
import type { TurnRecord } from './policy-run.ts';

export interface PolicySummary {
  readonly requests: number;
  readonly failed: number;
  /** cached / prompt tokens over follow-up turns (turn ≥ 2), as the servers reported them. */
  readonly hit_rate: number;
  readonly ttft_p50_ms: number;
  readonly ttft_p99_ms: number;
  /** TTFT of follow-up turns only. */
  readonly followup_ttft_p50_ms: number;
  /** Requests of the busiest replica / mean requests per replica. */
  readonly max_load_ratio: number;
  readonly requests_per_replica: Readonly<Record<string, number>>;
  readonly wall_s: number;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

export function summarize(
  records: readonly TurnRecord[],
  replicas: readonly string[],
  wallMs: number,
): PolicySummary {
  const ok = records.filter((r) => !r.failed);
  const followUps = ok.filter((r) => r.turn >= 2);
  const prompt = followUps.reduce((sum, r) => sum + r.promptTokens, 0);
  const cached = followUps.reduce((sum, r) => sum + r.cachedTokens, 0);
  const perReplica: Record<string, number> = Object.fromEntries(replicas.map((name) => [name, 0]));
  for (const r of ok) perReplica[r.endpoint] = (perReplica[r.endpoint] ?? 0) + 1;
  const counts = Object.values(perReplica);
  const mean = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  return {
    requests: records.length,
    failed: records.length - ok.length,
    hit_rate: round(prompt === 0 ? 0 : cached / prompt, 4),
    ttft_p50_ms: round(
      percentile(
        ok.map((r) => r.ttftMs),
        50,
      ),
    ),
    ttft_p99_ms: round(
      percentile(
        ok.map((r) => r.ttftMs),
        99,
      ),
    ),
    followup_ttft_p50_ms: round(
      percentile(
        followUps.map((r) => r.ttftMs),
        50,
      ),
    ),
    max_load_ratio: round(mean === 0 ? 0 : Math.max(...counts) / mean, 3),
    requests_per_replica: perReplica,
    wall_s: round(wallMs / 1000, 1),
  };
}
