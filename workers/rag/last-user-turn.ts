/** The prompt of a request is its last user turn; everything before it is context the client sent along. */
import type { ChatMessage } from '../../shared/messages/types.ts';

/** Index of the last user message, or -1 when there is none. */
export function lastUserTurnIndex(messages: readonly ChatMessage[]): number {
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    if (messages[i]?.role === 'user') return i;
  }
  return -1;
}

/** Text of the last user message ("" when there is none). */
export function lastUserTurn(messages: readonly ChatMessage[]): string {
  const index = lastUserTurnIndex(messages);
  return index < 0 ? '' : (messages[index]?.content ?? '');
}
