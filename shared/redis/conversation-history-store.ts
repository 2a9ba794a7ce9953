/**
 * The conversation history of a session: the port the assemble stage reads
 * and the stream stage appends to. Implementations keep at most a bounded
 * number of turns per session and expire idle sessions.
 */

/** One stored turn. Only user and assistant turns are kept as history. */
export interface HistoryTurn {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export interface ConversationHistoryStore {
  /**
   * The session's turns, oldest first ([] for an unknown or expired session).
   * Throws KpoError KPO_HISTORY_CORRUPT (not retryable) when stored data cannot
   * be read as turns, KPO_REDIS (retryable) when the store is unreachable.
   */
  load(sessionId: string): Promise<HistoryTurn[]>;
  /**
   * Appends the turns of one finished request, at most once per requestId:
   * a repeat with the same requestId appends nothing and returns false.
   * Trims the session to its newest maxTurns and refreshes its TTL.
   */
  appendExchange(sessionId: string, requestId: string, turns: readonly HistoryTurn[]): Promise<boolean>;
  /** Removes a session's history. */
  clear(sessionId: string): Promise<void>;
}

export interface HistoryLimits {
  /** Turns kept per session (newest win). Default 50. */
  readonly maxTurns: number;
  /** Seconds an idle session's history lives. 0 = forever. Default 86400 (1 day). */
  readonly ttlSeconds: number;
}

export const DEFAULT_HISTORY_LIMITS: HistoryLimits = Object.freeze({ maxTurns: 50, ttlSeconds: 86_400 });
