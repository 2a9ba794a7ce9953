/**
 * How a history turn is stored: one JSON object {"role","content"} per list
 * element. Anything else in the list is corruption and fails the read with
 * KPO_HISTORY_CORRUPT — never a crash, never a silent skip.
 */
import { KpoError } from '../errors/kpo-error.ts';
import type { HistoryTurn } from './conversation-history-store.ts';

export function encodeHistoryTurn(turn: HistoryTurn): string {
  return JSON.stringify({ role: turn.role, content: turn.content });
}

export function decodeHistoryTurns(sessionId: string, entries: readonly string[]): HistoryTurn[] {
  return entries.map((entry, index) => decodeHistoryTurn(sessionId, entry, index));
}

function decodeHistoryTurn(sessionId: string, entry: string, index: number): HistoryTurn {
  let value: unknown;
  try {
    value = JSON.parse(entry);
  } catch (cause) {
    throw corrupt(sessionId, `entry ${index} is not JSON`, cause);
  }
  if (typeof value !== 'object' || value === null)
    throw corrupt(sessionId, `entry ${index} is not an object`);
  const { role, content } = value as { role?: unknown; content?: unknown };
  if (role !== 'user' && role !== 'assistant') throw corrupt(sessionId, `entry ${index} has an unknown role`);
  if (typeof content !== 'string') throw corrupt(sessionId, `entry ${index} has no string content`);
  return { role, content };
}

export function corrupt(sessionId: string, what: string, cause?: unknown): KpoError {
  return new KpoError('KPO_HISTORY_CORRUPT', `history of the session is unreadable: ${what}`, {
    retryable: false,
    cause,
    context: { sessionId },
  });
}
