/**
 * Request bodies of the two generation APIs, validated into one shape:
 * - OpenAI chat (`messages`, `max_tokens`, `stop`, `temperature`, `top_p`,
 *   `seed`), rendered with the model's chat template. vLLM's
 *   `continue_final_message: true, add_generation_prompt: false` continues a
 *   partial answer given as the last assistant message (resumable generation);
 * - llama.cpp `/completion` (`prompt` taken as raw text with special tokens,
 *   `n_predict`, `cache_prompt`, `id_slot`, `stop`, …).
 * Unlike OpenAI (1.0) and llama.cpp (0.8), temperature defaults to 0: a 135M
 * model answers best greedily.
 */
import { numberField, stopField } from '../model-sim/http-io.ts';
import type { ChatHistoryItem, LlamaEngine, Token } from './llama-engine.ts';
import type { GenerationJob } from './token-generation.ts';

const DEFAULT_CHAT_MAX_TOKENS = 256;

export interface ParsedRequest extends GenerationJob {
  /** llama.cpp slot asked for; -1 = any. */
  readonly requestedSlot: number;
}

/** Parses a body; a string is the reason it is invalid (answered 400). */
export function parseChatRequest(body: Record<string, unknown>, engine: LlamaEngine): ParsedRequest | string {
  const messages = body['messages'];
  if (!Array.isArray(messages) || messages.length === 0) return 'messages must be a non-empty array';
  const history: ChatHistoryItem[] = [];
  for (const [index, raw] of messages.entries()) {
    const item = historyItem(raw);
    if (typeof item === 'string') return `messages[${index}]: ${item}`;
    history.push(item);
  }
  const continueFinal = body['continue_final_message'] === true;
  const addGenerationPrompt = body['add_generation_prompt'] !== false;
  if (continueFinal && addGenerationPrompt)
    return 'continue_final_message: true needs add_generation_prompt: false';
  if (!continueFinal && !addGenerationPrompt)
    return 'add_generation_prompt: false is supported only with continue_final_message: true';
  if (continueFinal && history[history.length - 1]?.type !== 'model')
    return 'continue_final_message: true needs an assistant message last';
  // The chat template leaves the last assistant turn open: an empty one is the generation prompt.
  if (addGenerationPrompt) history.push({ type: 'model', response: [] });
  const { contextText } = engine.chatWrapper.generateContextState({ chatHistory: history });
  const maxTokens = numberField(body, 'max_completion_tokens') ?? numberField(body, 'max_tokens');
  return common(
    body,
    contextText.tokenize(engine.model.tokenizer),
    maxTokens ?? DEFAULT_CHAT_MAX_TOKENS,
    true,
    -1,
  );
}

export function parseCompletionRequest(
  body: Record<string, unknown>,
  engine: LlamaEngine,
): ParsedRequest | string {
  const prompt = body['prompt'];
  if (typeof prompt !== 'string' || prompt === '') return 'prompt must be a non-empty string';
  const predict = numberField(body, 'n_predict');
  return common(
    body,
    engine.model.tokenize(prompt, true),
    predict === undefined || predict < 0 ? engine.contextSize : predict,
    body['cache_prompt'] !== false,
    numberField(body, 'id_slot') ?? -1,
  );
}

function common(
  body: Record<string, unknown>,
  promptTokens: Token[],
  maxTokens: number,
  reusePrefix: boolean,
  requestedSlot: number,
): ParsedRequest | string {
  if (!Number.isInteger(maxTokens) || maxTokens < 0) return 'max tokens must be a non-negative integer';
  const temperature = numberField(body, 'temperature') ?? 0;
  if (temperature < 0) return 'temperature must be ≥ 0';
  const topP = numberField(body, 'top_p');
  const seed = numberField(body, 'seed');
  return {
    promptTokens,
    maxTokens,
    stop: stopField(body['stop']),
    sampling: {
      temperature,
      ...(topP === undefined ? {} : { topP }),
      ...(seed === undefined ? {} : { seed }),
    },
    reusePrefix,
    requestedSlot,
  };
}

function historyItem(raw: unknown): ChatHistoryItem | string {
  if (typeof raw !== 'object' || raw === null) return 'must be an object';
  const message = raw as Record<string, unknown>;
  const text = contentText(message['content']);
  if (text === undefined) return 'content must be a string or an array of text parts';
  switch (message['role']) {
    case 'system':
    case 'developer':
      return { type: 'system', text };
    case 'user':
      return { type: 'user', text };
    case 'assistant':
      return { type: 'model', response: [text] };
    default:
      return `role must be system, developer, user or assistant, not ${JSON.stringify(message['role'])}`;
  }
}

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const parts = content.map((part) => {
    const p = (part ?? {}) as Record<string, unknown>;
    return p['type'] === 'text' && typeof p['text'] === 'string' ? p['text'] : undefined;
  });
  return parts.every((p) => p !== undefined) ? parts.join('') : undefined;
}
