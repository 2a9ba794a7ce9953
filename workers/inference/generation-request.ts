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

/**
 * The user turn the stream stage appends to history: the last user message exactly as the assemble stage
 * rendered it (retrieved passages included), so the next turn's prompt repeats this one token for token and
 * the model server's prefix cache covers it (workers/assemble/README.md, "Prompt layout").
 */
export function userTurnOf(input: AssembledPrompt): string | null {
  for (let i = input.messages.length - 1; i >= 0; i--) {
    const message = input.messages[i]!;
    if (message.role === 'user') return message.content;
  }
  return null;
}
