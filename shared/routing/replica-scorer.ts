/**
 * Picks a replica for one request from what the hints say, weighed against
 * load (pure, no I/O):
 *
 *   score(r) = matchBlocks(r) − loadPenaltyBlocks × load(r)
 *
 * The best score wins, unless its match is below minMatchBlocks or below
 * minMatchShare of the prompt's blocks (→ least loaded, "no_match") or its
 * load exceeds the least-loaded replica's by more than imbalanceThreshold
 * (→ least loaded, "imbalance_fallback"): pure affinity makes hot replicas.
 * The share gate is SGLang's cache threshold: a prefix every session shares
 * (the system prompt) saves little of a new session's prefill, and counted as
 * affinity it would draw every new session to the replica that served the
 * first one. Ties go to the lower load, then rotate.
 */
import type { RoutingOptions } from './routing-options.ts';

export const ROUTING_REASONS = [
  'session_sticky',
  'prefix_hit',
  'imbalance_fallback',
  'no_match',
  'redis_unavailable',
] as const;
export type RoutingReason = (typeof ROUTING_REASONS)[number];

export interface ScoredCandidate {
  readonly name: string;
  /** Leading prompt blocks the replica holds (by the hints). */
  readonly matchBlocks: number;
  /** In-flight requests on the replica, all workers. */
  readonly load: number;
  /** The session was last served here and its hinted prefix is a prefix of this prompt. */
  readonly sessionReplica: boolean;
}

export interface ScoredChoice {
  readonly name: string;
  readonly reason: RoutingReason;
  readonly matchBlocks: number;
  readonly load: number;
}

export type ScorerSettings = Pick<
  RoutingOptions,
  'loadPenaltyBlocks' | 'minMatchBlocks' | 'minMatchShare' | 'imbalanceThreshold'
>;

export function scoreOf(candidate: ScoredCandidate, settings: ScorerSettings): number {
  return candidate.matchBlocks - settings.loadPenaltyBlocks * candidate.load;
}

/** Lowest load; ties: longer match, then the rotation. */
export function leastLoaded(candidates: readonly ScoredCandidate[], turn = 0): ScoredCandidate {
  const lowest = Math.min(...candidates.map((c) => c.load));
  const tied = candidates.filter((c) => c.load === lowest);
  const longest = Math.max(...tied.map((c) => c.matchBlocks));
  const best = tied.filter((c) => c.matchBlocks === longest);
  return best[turn % best.length]!;
}

/** The shortest match that counts as affinity for a prompt of `promptBlocks` full blocks. */
export function minMatchFor(promptBlocks: number, settings: ScorerSettings): number {
  return Math.max(settings.minMatchBlocks, Math.ceil(settings.minMatchShare * promptBlocks));
}

/**
 * Never called with an empty list. `turn` rotates among exact ties so equal replicas share. `promptBlocks`: the
 * prompt's full blocks (0 when unknown: only minMatchBlocks gates).
 */
export function chooseReplica(
  candidates: readonly ScoredCandidate[],
  settings: ScorerSettings,
  turn = 0,
  promptBlocks = 0,
): ScoredChoice {
  if (candidates.length === 0) throw new RangeError('chooseReplica needs at least one candidate');
  const scores = candidates.map((c) => scoreOf(c, settings));
  const top = Math.max(...scores);
  const atTop = candidates.filter((_, i) => scores[i] === top);
  const sticky = atTop.find((c) => c.sessionReplica);
  const best = sticky ?? leastLoaded(atTop, turn);
  const fallback = leastLoaded(candidates, turn);
  const pick = (c: ScoredCandidate, reason: ScoredChoice['reason']): ScoredChoice => ({
    name: c.name,
    reason,
    matchBlocks: c.matchBlocks,
    load: c.load,
  });
  if (best.matchBlocks < minMatchFor(promptBlocks, settings) || best.matchBlocks === 0)
    return pick(fallback, 'no_match');
  if (best.load - fallback.load > settings.imbalanceThreshold) return pick(fallback, 'imbalance_fallback');
  return pick(best, best.sessionReplica ? 'session_sticky' : 'prefix_hit');
}
