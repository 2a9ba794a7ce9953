/** The one PromptRequest the benches produce: a single user question with bench defaults for everything else. */
import type { PromptRequest } from '../shared/messages/types.ts';

export interface BenchQuestion {
  readonly requestId: string;
  readonly sessionId: string;
  readonly question: string;
  readonly maxTokens: number;
  /** 0 for repeatable answers (the KV bench compares turns); 1 where sampling does not matter. */
  readonly temperature: number;
}

export function benchPromptRequest(q: BenchQuestion): PromptRequest {
  return {
    requestId: q.requestId,
    sessionId: q.sessionId,
    tenant: '',
    messages: [{ role: 'user', content: q.question }],
    model: 'default',
    params: { temperature: q.temperature, topP: 1, seed: 1 },
    stop: [],
    maxTokens: q.maxTokens,
    deadlineMs: null,
    priority: 0,
    replyTo: null,
    metadata: {},
    createdAtMs: Date.now(),
  };
}
