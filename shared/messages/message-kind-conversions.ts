/**
 * Which message kinds a stage may read from a topic carrying another kind.
 * One today: a PromptRequest is a RetrievalResult with no documents, so a
 * pipeline may skip retrieval (prompts straight into assemble).
 */
import type { MessageByKind } from './message-rules.ts';
import type { PromptRequest, RetrievalResult } from './types.ts';

type Kind = 'promptRequest' | 'retrievalResult' | 'assembledPrompt' | 'tokenChunk' | 'clientEvent';

export function canConvert(from: Kind, to: Kind): boolean {
  return from === to || (from === 'promptRequest' && to === 'retrievalResult');
}

export function retrievalWithoutDocuments(request: PromptRequest): RetrievalResult {
  return { request, documents: [], retrievalMs: 0 };
}

/** Turns a decoded message of kind `from` into kind `to` (canConvert must hold). */
export function convertMessage(from: Kind, to: Kind, message: MessageByKind[Kind]): MessageByKind[Kind] {
  if (from === 'promptRequest' && to === 'retrievalResult') {
    return retrievalWithoutDocuments(message as PromptRequest);
  }
  return message;
}
