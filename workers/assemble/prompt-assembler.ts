/**
 * Builds the final prompt of a request in a stable prefix order:
 *
 *   system prompt (configured, byte-identical across requests) →
 *   history, oldest first →
 *   context + the user turn (the part that changes every request)
 *
 * and fits it to the token budget: the oldest history turns go first (a
 * leading assistant turn goes with the user turn before it), then the
 * lowest-ranked documents. The system prompt and the user turn are never cut:
 * if they alone exceed the budget the request fails with KPO_PROMPT_TOO_LONG.
 */
import { KpoError } from '../../shared/errors/kpo-error.ts';
import type {
  AssembledPrompt,
  ChatMessage,
  RetrievedDocument,
  PromptRequest,
} from '../../shared/messages/types.ts';
import { computePrefixBlockHashes } from '../../shared/prefix/prefix-block-hashes.ts';
import type { HistoryTurn } from '../../shared/redis/conversation-history-store.ts';
import { lastUserTurnIndex } from '../rag/last-user-turn.ts';
import type { AssembleOptions } from './options.ts';
import { ASSISTANT_CUE, flattenPrompt, renderTurn, renderUserMessage } from './prompt-template.ts';
import type { TokenCounter } from './token-counter.ts';

export interface AssembleInput {
  readonly request: PromptRequest;
  readonly documents: readonly RetrievedDocument[];
  /** The session's stored history, oldest first. */
  readonly history: readonly HistoryTurn[];
}

export function assemblePrompt(
  input: AssembleInput,
  options: Readonly<AssembleOptions>,
  tokens: TokenCounter,
): AssembledPrompt {
  const { request } = input;
  const context = { stage: 'assemble', requestId: request.requestId, sessionId: request.sessionId };
  const userIndex = lastUserTurnIndex(request.messages);
  const question = userIndex < 0 ? '' : (request.messages[userIndex]?.content ?? '');
  if (question.trim().length === 0) {
    throw new KpoError('KPO_PROMPT_EMPTY', 'the request has no user turn with content', { context });
  }
  const system: ChatMessage = { role: 'system', content: systemText(request, options) };
  const history = historyCandidates(
    input.history,
    request.messages.slice(0, Math.max(userIndex, 0)),
    options,
  );
  const budget = tokenBudget(request, options);

  const fixedTokens =
    tokens.count(renderTurn(system)) +
    tokens.count(renderTurn({ role: 'user', content: question })) +
    tokens.count(ASSISTANT_CUE);
  if (fixedTokens > budget) {
    throw new KpoError(
      'KPO_PROMPT_TOO_LONG',
      `the system prompt and the user turn alone need ${fixedTokens} tokens; the budget is ${budget}`,
      { context },
    );
  }

  const historyTokens = history.map((turn) => tokens.count(renderTurn(turn)));
  let firstKept = 0;
  let documentsKept = input.documents.length;
  const userMessage = (): ChatMessage => ({
    role: 'user',
    content: renderUserMessage(question, input.documents.slice(0, documentsKept), options),
  });
  const estimate = (): number =>
    tokens.count(renderTurn(system)) +
    historyTokens.slice(firstKept).reduce((sum, n) => sum + n, 0) +
    tokens.count(renderTurn(userMessage())) +
    tokens.count(ASSISTANT_CUE);
  const dropOne = (): boolean => {
    if (firstKept < history.length) {
      firstKept += 1;
      // history starts with a user turn: an orphaned assistant answer goes with its question
      while (firstKept < history.length && history[firstKept]?.role === 'assistant') firstKept += 1;
      return true;
    }
    if (documentsKept > 0) {
      documentsKept -= 1;
      return true;
    }
    return false;
  };

  for (;;) {
    while (estimate() > budget && dropOne());
    const messages = [system, ...history.slice(firstKept), userMessage()];
    const prompt = flattenPrompt(messages);
    const ids = tokens.encode(prompt);
    if (ids.length <= budget || !dropOne()) {
      if (ids.length > budget) {
        throw new KpoError(
          'KPO_PROMPT_TOO_LONG',
          `the prompt needs ${ids.length} tokens; the budget is ${budget}`,
          {
            context,
          },
        );
      }
      return {
        request,
        messages,
        prompt,
        tokenCount: ids.length,
        prefixBlockHashes: computePrefixBlockHashes(ids, {
          blockSize: options.blockSize,
          salt: `${tokens.name}:${request.model}`,
        }),
        blockSize: options.blockSize,
        droppedHistoryTurns: firstKept,
      };
    }
  }
}

function systemText(request: PromptRequest, options: Readonly<AssembleOptions>): string {
  if (options.clientSystemMessages === 'ignore') return options.systemPrompt;
  const extra = request.messages.filter((m) => m.role === 'system').map((m) => m.content);
  return [options.systemPrompt, ...extra].join('\n\n');
}

function historyCandidates(
  stored: readonly HistoryTurn[],
  sentBefore: readonly ChatMessage[],
  options: Readonly<AssembleOptions>,
): ChatMessage[] {
  const fromClient = options.clientHistory === 'use' ? sentBefore.filter((m) => m.role !== 'system') : [];
  const all: ChatMessage[] = [...stored.map((t) => ({ role: t.role, content: t.content })), ...fromClient];
  return options.maxHistoryTurns === 0 ? [] : all.slice(-options.maxHistoryTurns);
}

function tokenBudget(request: PromptRequest, options: Readonly<AssembleOptions>): number {
  if (options.contextWindow === undefined) return options.tokenBudget;
  return Math.min(options.tokenBudget, options.contextWindow - request.maxTokens);
}
