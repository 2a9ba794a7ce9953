/** The model call an AssembledPrompt asks for. */
import type { AssembledPrompt } from '../../shared/messages/types.ts';
import type { GenerationRequest } from '../../shared/model/types.ts';

export function generationRequestOf(input: AssembledPrompt): GenerationRequest {
  const { request } = input;
  return {
    requestId: request.requestId,
    model: request.model,
    messages: input.messages,
    prompt: input.prompt,
    params: {
      maxTokens: request.maxTokens,
      temperature: request.params.temperature,
      topP: request.params.topP,
      seed: request.params.seed,
      stop: request.stop,
    },
    deadlineMs: request.deadlineMs,
    promptTokens: input.tokenCount,
    priority: request.priority,
    routing: { sessionId: request.sessionId, prefixBlockHashes: input.prefixBlockHashes },
  };
}

/** The last user turn of the request, for the stream stage to append to history. */
export function userTurnOf(input: AssembledPrompt): string | null {
  for (let i = input.request.messages.length - 1; i >= 0; i--) {
    const message = input.request.messages[i]!;
    if (message.role === 'user') return message.content;
  }
  return null;
}
