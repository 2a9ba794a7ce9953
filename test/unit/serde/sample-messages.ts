/** One valid message of every kind, with every optional field set, for round-trip tests. */
import type { MessageByKind } from '../../../shared/messages/message-rules.ts';
import type { PromptRequest } from '../../../shared/messages/types.ts';

export function samplePromptRequest(overrides: Partial<PromptRequest> = {}): PromptRequest {
  return {
    requestId: 'req-1',
    sessionId: 'session-1',
    tenant: 'acme',
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Grüße, 世界 👋 — what is Kafka?' },
    ],
    model: 'sim-small',
    params: { temperature: 0.2, topP: 0.9, seed: 42 },
    stop: ['\n\n'],
    maxTokens: 128,
    deadlineMs: 1_764_600_000_000,
    priority: 1,
    replyTo: 'llm.output.custom',
    metadata: { source: 'test', ключ: 'значение' },
    createdAtMs: 1_764_599_990_000,
    ...overrides,
  };
}

export function sampleMessages(): MessageByKind {
  const request = samplePromptRequest();
  return {
    promptRequest: request,
    retrievalResult: {
      request,
      documents: [{ id: 'doc-1', score: 3.5, text: 'Kafka is a log.', source: 'docs/kafka.md' }],
      retrievalMs: 1.25,
    },
    assembledPrompt: {
      request,
      messages: [...request.messages, { role: 'assistant', content: 'A log.' }],
      prompt: 'system: You are terse.\nuser: what is Kafka?',
      tokenCount: 17,
      prefixBlockHashes: ['ab12', 'cd34'],
      blockSize: 16,
      droppedHistoryTurns: 2,
    },
    tokenChunk: {
      requestId: 'req-1',
      sessionId: 'session-1',
      seq: 3,
      text: ' log',
      tokenCount: 1,
      final: true,
      finishReason: 'stop',
      usage: { promptTokens: 17, completionTokens: 4, cachedTokens: 16 },
      timings: { ttftMs: 12.5, perTokenMs: 3.25 },
      attempt: 2,
      error: { code: 'KPO_MODEL_STREAM', message: 'stream broke' },
      replyTo: null,
      requestCreatedAtMs: 1_764_599_990_000,
      userTurn: 'what is Kafka?',
      generationId: 'gen-1',
      resumes: 1,
    },
    clientEvent: {
      requestId: 'req-1',
      sessionId: 'session-1',
      type: 'done',
      seq: 4,
      text: '',
      usage: { promptTokens: 17, completionTokens: 4, cachedTokens: 0 },
      errorCode: null,
      errorMessage: null,
      timestampMs: 1_764_600_000_123,
      e2eMs: 123.5,
      resumes: 1,
      finishReason: 'stop',
    },
    cancel: {
      requestId: 'req-1',
      sessionId: 'session-1',
      reason: 'user pressed stop',
      requestedAtMs: 1_764_600_000_001,
    },
    deadLetter: {
      stage: 'rag',
      errorCode: 'KPO_DECODE_BODY',
      reason: 'the body does not decode',
      attempts: 1,
      sourceTopic: 'llm.prompts',
      sourcePartition: 3,
      sourceOffset: 9_007_199_254,
      originalKey: Buffer.from('session-1'),
      originalValue: Buffer.from([0xff, 0xfe, 0x00, 0x80]),
      originalHeaders: { traceparent: Buffer.from('00-abc-def-01'), raw: Buffer.from([0xc3]) },
      failedAtMs: 1_764_600_000_002,
      requestId: null,
      sessionId: 'session-1',
    },
  };
}
