/**
 * Figures of one phase, from the usage the model servers reported (through
 * the pipeline's done events) and the servers' own request counters:
 *
 * - follow-up hit rate: cached / prompt tokens of turns ≥ 1;
 * - the ideal: every follow-up reusing its session's whole previous prompt and
 *   answer (min(previous prompt + answer, prompt − 1) cached tokens);
 * - share of the ideal, per-turn cached/prompt, follow-up TTFT p50/p99 (client:
 *   produce → first token event; model: the inference stage's call → first token);
 * - max/mean load: requests of the busiest replica / the mean per replica
 *   (over the replicas the caller lists: those serving in the phase).
 */
import { percentile } from '../kv/policy-summary.ts';
import type { TurnRecord } from './session-run.ts';

export interface PhaseFigures {
  readonly followup_hit_rate: number;
  readonly ideal_hit_rate: number;
  readonly share_of_ideal: number;
  readonly followup_ttft_p50_ms: number;
  readonly followup_ttft_p99_ms: number;
  /** Inference stage's model call → first token (routing, server queue, prefill): the cache's effect alone. */
  readonly followup_model_ttft_p50_ms: number;
  readonly followup_model_ttft_p99_ms: number;
  readonly max_load_ratio: number;
  /** cached / prompt tokens per turn index. */
  readonly per_turn: readonly number[];
  readonly requests_per_replica: Readonly<Record<string, number>>;
  readonly failed: number;
  readonly requests: number;
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));
const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** `onlyAfterChange`: follow-up figures over the turns sent after a mid-run change. */
export function phaseFigures(
  records: readonly TurnRecord[],
  requestsPerReplica: Readonly<Record<string, number>>,
  onlyAfterChange = false,
): PhaseFigures {
  const byTurn = new Map<string, TurnRecord>(records.map((r) => [`${r.session}:${r.turn}`, r]));
  const followUps = records.filter((r) => r.ok && r.turn > 0 && (!onlyAfterChange || r.afterChange));
  let prompt = 0;
  let cached = 0;
  let ideal = 0;
  for (const r of followUps) {
    prompt += r.promptTokens;
    cached += r.cachedTokens;
    const previous = byTurn.get(`${r.session}:${r.turn - 1}`);
    if (previous?.ok === true) {
      ideal += Math.min(previous.promptTokens + previous.completionTokens, r.promptTokens - 1);
    }
  }
  const turns = Math.max(0, ...records.map((r) => r.turn)) + 1;
  const perTurn = Array.from({ length: turns }, (_, turn) => {
    const at = records.filter((r) => r.ok && r.turn === turn);
    return round(
      ratio(
        at.reduce((sum, r) => sum + r.cachedTokens, 0),
        at.reduce((sum, r) => sum + r.promptTokens, 0),
      ),
    );
  });
  const ttfts = followUps.flatMap((r) => (r.ttftMs === null ? [] : [r.ttftMs]));
  const modelTtfts = followUps.flatMap((r) => (r.modelTtftMs === undefined ? [] : [r.modelTtftMs]));
  const counts = Object.values(requestsPerReplica);
  const mean = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length);
  return {
    followup_hit_rate: round(ratio(cached, prompt)),
    ideal_hit_rate: round(ratio(ideal, prompt)),
    share_of_ideal: round(ratio(cached, ideal)),
    followup_ttft_p50_ms: round(percentile(ttfts, 50), 1),
    followup_ttft_p99_ms: round(percentile(ttfts, 99), 1),
    followup_model_ttft_p50_ms: round(percentile(modelTtfts, 50), 1),
    followup_model_ttft_p99_ms: round(percentile(modelTtfts, 99), 1),
    max_load_ratio: round(mean === 0 ? 0 : Math.max(...counts) / mean),
    per_turn: perTurn,
    requests_per_replica: requestsPerReplica,
    failed: records.filter((r) => !r.ok).length,
    requests: records.length,
  };
}
