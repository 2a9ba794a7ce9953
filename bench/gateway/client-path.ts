/**
 * The baseline: the same request through the project's Kafka client
 * (PromptClient) in the bench process — what the gateway itself does behind
 * its HTTP hop.
 */
import { randomUUID } from 'node:crypto';
import type { PromptClient } from '../../shared/client/prompt-client.ts';
import type { RequestOutcome } from '../pipeline/request-outcome.ts';

export async function clientFire(
  client: PromptClient,
  question: string,
  maxTokens: number,
): Promise<RequestOutcome> {
  const sentAt = performance.now();
  let firstTokenAt: number | undefined;
  let lastTokenAt: number | undefined;
  const gaps: number[] = [];
  try {
    const { events } = await client.submit({
      sessionId: `bench-gw-${randomUUID()}`,
      messages: [{ role: 'user', content: question }],
      maxTokens,
    });
    for await (const event of events) {
      if (event.type !== 'token') {
        return {
          terminal: event.type,
          ttftMs: firstTokenAt === undefined ? undefined : firstTokenAt - sentAt,
          gapsMs: gaps,
          e2eMs: performance.now() - sentAt,
        };
      }
      if (event.text.length === 0) continue;
      const now = performance.now();
      if (firstTokenAt === undefined) firstTokenAt = now;
      else if (lastTokenAt !== undefined) gaps.push(now - lastTokenAt);
      lastTokenAt = now;
    }
  } catch {
    // Counted as an error below.
  }
  return { terminal: 'error', ttftMs: undefined, gapsMs: [], e2eMs: undefined };
}
