/**
 * Baseline (a): the simulator called directly with the project's model client
 * (the OpenAI-compatible adapter the inference stage uses), same prompts and
 * max_tokens, no Kafka. Its TTFT is what the model itself costs; the
 * pipeline's TTFT minus this is the orchestrator's overhead.
 */
import { OpenAiCompatibleClient } from '../../shared/model/openai-client.ts';
import { QUESTIONS } from './pipeline-path.ts';
import type { RequestOutcome } from './request-outcome.ts';

export function directModelFire(baseUrls: readonly string[], maxTokens: number) {
  const clients = baseUrls.map((baseUrl, i) => new OpenAiCompatibleClient({ name: `sim-${i}`, baseUrl }));
  return async (index: number): Promise<RequestOutcome> => {
    const client = clients[index % clients.length]!;
    const sentAt = performance.now();
    let first: number | undefined;
    let last: number | undefined;
    const gaps: number[] = [];
    try {
      for await (const event of client.generate({
        requestId: `direct-${index}`,
        model: 'default',
        messages: [{ role: 'user', content: QUESTIONS[index % QUESTIONS.length]! }],
        params: { maxTokens, temperature: 1, topP: 1, seed: index },
      })) {
        const now = performance.now();
        if (event.type !== 'chunk') continue;
        if (last !== undefined) gaps.push(now - last);
        first ??= now;
        last = now;
      }
      const end = performance.now();
      return {
        terminal: 'done',
        ttftMs: first === undefined ? undefined : first - sentAt,
        gapsMs: gaps,
        e2eMs: end - sentAt,
      };
    } catch {
      return { terminal: 'error', ttftMs: undefined, gapsMs: gaps, e2eMs: undefined };
    }
  };
}
