/**
 * Where truncation cuts the history when the prompt is over budget: whole old
 * turns, and in steps, so the cut stays put for several turns.
 *
 * A prefix cache only helps while turn N's prompt extends turn N−1's. Dropping
 * "just enough" oldest turns moves the cut every turn once the budget is
 * reached, so every turn after that re-prefills everything after the system
 * prompt. Instead the cut goes to the first user turn starting at or after
 * the excess rounded UP to a multiple of `stepTokens`, counted from the start
 * of the history. Turn offsets never change as the history grows at its end,
 * so the cut (and the prompt prefix) stays the same until the excess passes
 * the next multiple: one re-prefill per `stepTokens` of new conversation
 * instead of one per turn, for at most `stepTokens` of history dropped early.
 */
export interface HistoryTurnSize {
  readonly role: string;
  readonly tokens: number;
}

/** Index of the first history turn kept (turns.length = none) to free at least `excessTokens`. */
export function stableHistoryCut(
  turns: readonly HistoryTurnSize[],
  excessTokens: number,
  stepTokens: number,
): number {
  if (excessTokens <= 0) return 0;
  const target = Math.ceil(excessTokens / stepTokens) * stepTokens;
  let offset = 0;
  for (const [index, turn] of turns.entries()) {
    // an answer never stays without its question: cut only before a user turn
    if (offset >= target && turn.role === 'user') return index;
    offset += turn.tokens;
  }
  return turns.length;
}
