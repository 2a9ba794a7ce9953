/**
 * A request through the gateway as an OpenAI streaming client sees it: one
 * POST with stream: true, the SSE chunks parsed with eventsource-parser, the
 * first content delta as the first token.
 */
import { createParser } from 'eventsource-parser';
import type { RequestOutcome } from '../pipeline/request-outcome.ts';

interface ChunkShape {
  readonly choices?: readonly { readonly delta?: { readonly content?: string } }[];
  readonly error?: unknown;
}

export async function gatewayFire(url: string, question: string, maxTokens: number): Promise<RequestOutcome> {
  const sentAt = performance.now();
  let firstTokenAt: number | undefined;
  let lastTokenAt: number | undefined;
  const gaps: number[] = [];
  let terminal: RequestOutcome['terminal'] = 'error';
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'default',
        messages: [{ role: 'user', content: question }],
        max_tokens: maxTokens,
        stream: true,
      }),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status === 429 || response.status === 503) {
      await response.body?.cancel();
      return { terminal: 'shed', ttftMs: undefined, gapsMs: [], e2eMs: undefined };
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      return { terminal: 'error', ttftMs: undefined, gapsMs: [], e2eMs: undefined };
    }
    const parser = createParser({
      onEvent(event) {
        if (event.data === '[DONE]') {
          terminal = 'done';
          return;
        }
        const chunk = JSON.parse(event.data) as ChunkShape;
        if (chunk.error !== undefined) return;
        if (!chunk.choices?.[0]?.delta?.content) return;
        const now = performance.now();
        if (firstTokenAt === undefined) firstTokenAt = now;
        else if (lastTokenAt !== undefined) gaps.push(now - lastTokenAt);
        lastTokenAt = now;
      },
    });
    const decoder = new TextDecoder();
    for await (const bytes of response.body as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(bytes, { stream: true }));
  } catch {
    return { terminal: 'error', ttftMs: undefined, gapsMs: [], e2eMs: undefined };
  }
  return {
    terminal,
    ttftMs: firstTokenAt === undefined ? undefined : firstTokenAt - sentAt,
    gapsMs: gaps,
    e2eMs: performance.now() - sentAt,
  };
}
