/** Flattens chat turns for completion-style endpoints when no flat prompt came with the request. */
import type { GenerationRequest } from './types.ts';

export function flatPrompt(request: GenerationRequest): string {
  if (request.prompt !== undefined && request.prompt !== null) return request.prompt;
  const turns = request.messages.map((message) => `${message.role}: ${message.content}`);
  return `${turns.join('\n')}\nassistant:`;
}
