/**
 * The raw prompt of completion-style endpoints: the flat prompt that came with
 * the request (or the chat turns flattened), followed by the partial answer
 * when the request continues one (a raw prompt continues wherever it ends).
 */
import type { GenerationRequest } from './types.ts';

export function flatPrompt(request: GenerationRequest): string {
  return basePrompt(request) + (request.continuation ?? '');
}

function basePrompt(request: GenerationRequest): string {
  if (request.prompt !== undefined && request.prompt !== null) return request.prompt;
  const turns = request.messages.map((message) => `${message.role}: ${message.content}`);
  return `${turns.join('\n')}\nassistant:`;
}
