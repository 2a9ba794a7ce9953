/**
 * Sends the sample conversations through a running pipeline, prints the
 * streamed tokens, and returns the figures (TTFT and end-to-end latency are
 * measured at the client: submit → first token event, submit → terminal event).
 */
import { randomUUID } from 'node:crypto';
import type { PromptClient } from '../../shared/client/prompt-client.ts';
import type { ClientEvent } from '../../shared/messages/types.ts';
import { SAMPLE_CONVERSATIONS } from './sample-conversations.ts';

export interface DemoFigures {
  readonly requests: number;
  readonly completed: number;
  readonly errors: number;
  readonly tokens: number;
  readonly ttft_p50_ms: number;
  readonly ttft_p99_ms: number;
  readonly e2e_p50_ms: number;
  readonly e2e_p99_ms: number;
}

interface RequestOutcome {
  readonly terminal: ClientEvent['type'];
  readonly tokens: number;
  readonly ttftMs: number | undefined;
  readonly e2eMs: number;
}

export async function runDemo(
  client: PromptClient,
  out: (line: string) => void,
  conversations: readonly (readonly string[])[] = SAMPLE_CONVERSATIONS,
): Promise<DemoFigures> {
  const outcomes = (
    await Promise.all(
      conversations.map((turns, index) =>
        runConversation(client, turns, `demo-${index}-${randomUUID().slice(0, 8)}`, out),
      ),
    )
  ).flat();
  const ttfts = outcomes.flatMap((o) => (o.ttftMs === undefined ? [] : [o.ttftMs]));
  const e2es = outcomes.map((o) => o.e2eMs);
  return {
    requests: outcomes.length,
    completed: outcomes.filter((o) => o.terminal === 'done').length,
    errors: outcomes.filter((o) => o.terminal !== 'done').length,
    tokens: outcomes.reduce((sum, o) => sum + o.tokens, 0),
    ttft_p50_ms: percentile(ttfts, 0.5),
    ttft_p99_ms: percentile(ttfts, 0.99),
    e2e_p50_ms: percentile(e2es, 0.5),
    e2e_p99_ms: percentile(e2es, 0.99),
  };
}

async function runConversation(
  client: PromptClient,
  turns: readonly string[],
  sessionId: string,
  out: (line: string) => void,
): Promise<RequestOutcome[]> {
  const outcomes: RequestOutcome[] = [];
  for (const turn of turns) {
    const started = performance.now();
    const submitted = await client.submit({
      sessionId,
      messages: [{ role: 'user', content: turn }],
      maxTokens: 48,
      // One paragraph: the model server stops there (post applies the same stop to every request).
      stop: ['\n\n'],
    });
    let text = '';
    let tokens = 0;
    let ttftMs: number | undefined;
    let terminal: ClientEvent = { type: 'error' } as ClientEvent;
    for await (const event of submitted.events) {
      if (event.type === 'token') {
        ttftMs ??= performance.now() - started;
        text += event.text;
        tokens += 1;
      } else {
        terminal = event;
      }
    }
    const e2eMs = performance.now() - started;
    // Model tokens as the server counted them; token events are coalesced runs of them.
    if (terminal.usage) tokens = terminal.usage.completionTokens;
    const ending =
      terminal.type === 'done'
        ? ''
        : ` [${terminal.type} ${terminal.errorCode ?? ''}: ${terminal.errorMessage ?? ''}]`;
    out(`[${sessionId}] > ${turn}\n[${sessionId}] < ${text.trim()}${ending} (${Math.round(e2eMs)} ms)`);
    outcomes.push({ terminal: terminal.type, tokens, ttftMs, e2eMs });
    if (terminal.type !== 'done') break;
  }
  return outcomes;
}

function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.round(sorted[Math.max(0, index)]! * 10) / 10;
}
