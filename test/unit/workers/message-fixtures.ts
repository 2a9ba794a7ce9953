/** Message builders for stage unit tests: complete records with overridable fields. */
import type { ChatMessage, PromptRequest, TokenChunk } from '../../../shared/messages/types.ts';

export function promptRequest(overrides: Partial<PromptRequest> = {}): PromptRequest {
  return {
    requestId: 'req-1',
    sessionId: 'sess-1',
    tenant: '',
    messages: [{ role: 'user', content: 'How do consumer groups rebalance?' }],
    model: 'sim',
    params: { temperature: 1, topP: 1, seed: null },
    stop: [],
    maxTokens: 256,
    deadlineMs: null,
    priority: 0,
    replyTo: null,
    metadata: {},
    createdAtMs: 1_000,
    ...overrides,
  };
}

export function userMessage(content: string): ChatMessage {
  return { role: 'user', content };
}

export function tokenChunk(overrides: Partial<TokenChunk> = {}): TokenChunk {
  return {
    requestId: 'req-1',
    sessionId: 'sess-1',
    seq: 0,
    text: '',
    tokenCount: 1,
    final: false,
    finishReason: null,
    usage: null,
    timings: null,
    attempt: 1,
    error: null,
    replyTo: null,
    requestCreatedAtMs: 1_000,
    userTurn: null,
    generationId: 'gen-1',
    resumes: 0,
    ...overrides,
  };
}
