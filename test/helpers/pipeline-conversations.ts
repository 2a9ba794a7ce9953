/**
 * Drives multi-turn conversations through a running pipeline with the real
 * client library and records what each client saw.
 */
import type { PromptClient } from '../../shared/client/prompt-client.ts';
import type { ClientEvent } from '../../shared/messages/types.ts';

export interface TurnResult {
  readonly conversation: number;
  readonly turn: number;
  readonly sessionId: string;
  readonly requestId: string;
  readonly events: readonly ClientEvent[];
  readonly text: string;
  readonly terminal: ClientEvent;
}

export const TURNS = [
  'How does Kafka keep the records of one key in order?',
  'What happens to that order when a consumer group rebalances?',
  'Summarise both answers in one sentence.',
] as const;

export async function runConversations(
  client: PromptClient,
  options: {
    readonly sessions: number;
    readonly sessionPrefix: string;
    readonly maxTokens?: number;
    readonly turns?: readonly string[];
  },
): Promise<TurnResult[]> {
  const turns = options.turns ?? TURNS;
  const perSession = await Promise.all(
    Array.from({ length: options.sessions }, async (_, conversation) => {
      const sessionId = `${options.sessionPrefix}-${conversation}`;
      const results: TurnResult[] = [];
      for (const [turn, content] of turns.entries()) {
        const submitted = await client.submit({
          sessionId,
          messages: [{ role: 'user', content: `${content} (conversation ${conversation})` }],
          maxTokens: options.maxTokens ?? 12,
        });
        const events: ClientEvent[] = [];
        for await (const event of submitted.events) events.push(event);
        const terminal = events.at(-1)!;
        const text = events
          .filter((e) => e.type === 'token')
          .map((e) => e.text)
          .join('');
        results.push({
          conversation,
          turn,
          sessionId,
          requestId: submitted.requestId,
          events,
          text,
          terminal,
        });
        if (terminal.type !== 'done') break;
      }
      return results;
    }),
  );
  return perSession.flat();
}
