/**
 * Small multi-turn traffic for routing tests: in-process simulated replicas
 * (fast knobs: this is a test, not a benchmark), an EndpointPool whose
 * selector is a CacheAwareSelector, and sessions whose every turn extends the
 * previous prompt.
 */
import { EndpointPool } from '../../../shared/model/endpoint-pool.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';
import { LlamaCppClient } from '../../../shared/model/llamacpp-client.ts';
import type { ModelClient } from '../../../shared/model/model-client.ts';
import { OpenAiCompatibleClient } from '../../../shared/model/openai-client.ts';
import { ResilientEndpoint } from '../../../shared/model/resilient-endpoint.ts';
import type { GenerationRequest, ModelChatMessage } from '../../../shared/model/types.ts';
import { computePrefixBlockHashes } from '../../../shared/prefix/prefix-block-hashes.ts';
import type { CacheAwareSelector } from '../../../shared/routing/cache-aware-selector.ts';
import { simOptionsSchema } from '../../../infra/model-sim/sim-options.ts';
import { startSimServer, type RunningSim } from '../../../infra/model-sim/sim-server.ts';

export async function startFastReplicas(count: number): Promise<RunningSim[]> {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startSimServer(
        simOptionsSchema.parse({
          port: 0,
          replicaId: `replica-${i}`,
          ttftBaseMs: 2,
          prefillMsPerToken: 0.01,
          interTokenMs: 2,
        }),
      ),
    ),
  );
}

/** A pool over the replicas through the OpenAI-compatible adapter, or llama.cpp's /completion one. */
export function poolOver(
  replicas: readonly RunningSim[],
  selector: CacheAwareSelector,
  api: 'openai' | 'llamacpp' = 'openai',
): EndpointPool {
  const options = compileModelCallOptions({ maxAttempts: 2, retryInitialDelayMs: 10 });
  const clientOf = (sim: RunningSim): ModelClient =>
    api === 'llamacpp'
      ? new LlamaCppClient({ name: sim.replicaId, baseUrl: sim.url })
      : new OpenAiCompatibleClient({ name: sim.replicaId, baseUrl: sim.url });
  const endpoints = replicas.map(
    (sim) => new ResilientEndpoint(clientOf(sim), { maxConcurrent: 16, models: [] }, options),
  );
  return new EndpointPool(endpoints, selector, options);
}

/** Word "tokens" stand in for a tokenizer: stable ids per word, enough for prefix hashing. */
function tokenIds(messages: readonly ModelChatMessage[]): number[] {
  const text = messages.map((m) => `${m.role}: ${m.content}`).join('\n');
  return text.split(/\s+/).map((word) => [...word].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
}

export interface TurnOutcome {
  readonly ok: boolean;
  readonly endpoint?: string;
  /** The server slot that served the turn (llama.cpp), when reported. */
  readonly slot?: number;
}

/** Sends the next turn of a session through routing; never throws (a failure is an outcome). */
export async function sendTurn(
  pool: EndpointPool,
  sessionId: string,
  history: ModelChatMessage[],
  turn: number,
): Promise<TurnOutcome> {
  const words = Array.from({ length: turn === 1 ? 120 : 12 }, (_, i) => `${sessionId}w${turn}x${i}`).join(
    ' ',
  );
  history.push({ role: 'user', content: words });
  const request: GenerationRequest = {
    requestId: `${sessionId}-t${turn}`,
    model: 'sim-8b',
    messages: [...history],
    params: { maxTokens: 4, temperature: 0 },
    routing: { sessionId, prefixBlockHashes: computePrefixBlockHashes(tokenIds(history)) },
  };
  try {
    for await (const event of pool.stream(request, new AbortController().signal)) {
      if (event.type === 'done') {
        history.push({ role: 'assistant', content: event.text });
        return {
          ok: true,
          endpoint: event.endpoint,
          ...(event.slot === undefined ? {} : { slot: event.slot }),
        };
      }
    }
    return { ok: false };
  } catch {
    history.push({ role: 'assistant', content: '' });
    return { ok: false };
  }
}
