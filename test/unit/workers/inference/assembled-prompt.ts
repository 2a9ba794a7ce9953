import type { AssembledPrompt } from '../../../../shared/messages/types.ts';
import { promptRequest } from '../message-fixtures.ts';

/** "what is kafka?" for sim-8b (32 tokens at temperature 0), as assemble hands it to inference; overrides win. */
export function assembledPrompt(overrides: Partial<AssembledPrompt> = {}): AssembledPrompt {
  return {
    request: promptRequest({
      messages: [{ role: 'user', content: 'what is kafka?' }],
      model: 'sim-8b',
      params: { temperature: 0, topP: 1, seed: null },
      maxTokens: 32,
      createdAtMs: 1_700_000_000_000,
    }),
    messages: [{ role: 'user', content: 'what is kafka?' }],
    prompt: null,
    tokenCount: 40,
    prefixBlockHashes: [],
    blockSize: 16,
    droppedHistoryTurns: 0,
    ...overrides,
  };
}
