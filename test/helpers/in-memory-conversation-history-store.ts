/**
 * ConversationHistoryStore in process memory, with the same rules as the Redis
 * one (bounded turns, idempotent append per request): for unit tests of the
 * stages.
 */
import {
  DEFAULT_HISTORY_LIMITS,
  type ConversationHistoryStore,
  type HistoryLimits,
  type HistoryTurn,
} from '../../shared/redis/conversation-history-store.ts';
import { decodeHistoryTurns, encodeHistoryTurn } from '../../shared/redis/history-turn-codec.ts';

export class InMemoryConversationHistoryStore implements ConversationHistoryStore {
  private readonly sessions = new Map<string, string[]>();
  private readonly appended = new Set<string>();
  private readonly limits: HistoryLimits;

  constructor(limits: Partial<HistoryLimits> = {}) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
  }

  async load(sessionId: string): Promise<HistoryTurn[]> {
    return decodeHistoryTurns(sessionId, this.sessions.get(sessionId) ?? []);
  }

  async appendExchange(
    sessionId: string,
    requestId: string,
    turns: readonly HistoryTurn[],
  ): Promise<boolean> {
    const marker = `${sessionId}\u0000${requestId}`;
    if (turns.length === 0 || this.appended.has(marker)) return false;
    this.appended.add(marker);
    const entries = [...(this.sessions.get(sessionId) ?? []), ...turns.map(encodeHistoryTurn)];
    this.sessions.set(sessionId, this.limits.maxTurns > 0 ? entries.slice(-this.limits.maxTurns) : entries);
    return true;
  }

  async clear(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }

  /** Test hook: stores raw entries as they would sit in Redis (e.g. corrupt JSON). */
  putRawEntries(sessionId: string, entries: readonly string[]): void {
    this.sessions.set(sessionId, [...entries]);
  }
}
