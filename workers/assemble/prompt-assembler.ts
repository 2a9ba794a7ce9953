/**
 * Builds the final prompt of a request in a stable prefix order:
 *
 *   system prompt (configured, byte-identical across requests) →
 *   history, oldest first, each turn exactly as it was sent →
 *   context + the user turn (the part that changes every request)
 *
 * rendered with the model server's chat template (chat-template.ts), and fits
 * it to the token budget: whole old turns go first, in steps
 * (history-cut.ts), then the lowest-ranked documents of this turn. The system
 * prompt and the user turn are never cut: if they alone exceed the budget the
 * request fails with KPO_PROMPT_TOO_LONG.
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
import { chatTemplate, renderPrompt } from './chat-template.ts';
import { stableHistoryCut } from './history-cut.ts';
import { renderUserMessage } from './prompt-template.ts';
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
  const template = chatTemplate(options.chatTemplate);
  const system: ChatMessage = { role: 'system', content: systemText(request, options) };
  const history = historyCandidates(
    input.history,
    request.messages.slice(0, Math.max(userIndex, 0)),
    options,
  );
  const budget = tokenBudget(request, options);
  const count = (text: string): number => tokens.count(text);

  const frameTokens = count(template.begin) + count(template.turn(system)) + count(template.cue);
  const fixedTokens = frameTokens + count(template.turn({ role: 'user', content: question }));
  if (fixedTokens > budget) {
    throw new KpoError(
      'KPO_PROMPT_TOO_LONG',
      `the system prompt and the user turn alone need ${fixedTokens} tokens; the budget is ${budget}`,
      { context },
    );
  }

  const historySizes = history.map((turn) => ({ role: turn.role, tokens: count(template.turn(turn)) }));
  const historyTotal = historySizes.reduce((sum, turn) => sum + turn.tokens, 0);
  const userMessage = (documentsKept: number): ChatMessage => ({
    role: 'user',
    content: renderUserMessage(question, input.documents.slice(0, documentsKept), options),
  });
  // Tokens the estimate (sum of parts) missed against the exact count of the flattened prompt.
  let shortfall = 0;
  for (;;) {
    let documentsKept = input.documents.length;
    const withDocuments = frameTokens + count(template.turn(userMessage(documentsKept)));
    const firstKept = stableHistoryCut(
      historySizes,
      withDocuments + historyTotal + shortfall - budget,
      options.truncationStepTokens,
    );
    const keptHistory = historySizes.slice(firstKept).reduce((sum, turn) => sum + turn.tokens, 0);
    while (
      documentsKept > 0 &&
      frameTokens + keptHistory + count(template.turn(userMessage(documentsKept))) + shortfall > budget
    ) {
      documentsKept -= 1;
    }
    const messages = [system, ...history.slice(firstKept), userMessage(documentsKept)];
    const prompt = renderPrompt(template, messages);
    const ids = tokens.encode(prompt);
    if (ids.length <= budget) {
      return {
        request,
        messages,
        prompt,
        tokenCount: ids.length,
        prefixBlockHashes: computePrefixBlockHashes(ids, {
          blockSize: options.blockSize,
          // A tenant's prefix-cache entries are never another tenant's: the tenant salts the chain.
          salt:
            request.tenant === ''
              ? `${tokens.name}:${template.name}:${request.model}`
              : `${tokens.name}:${template.name}:${request.model}:tenant=${request.tenant}`,
        }),
        blockSize: options.blockSize,
        droppedHistoryTurns: firstKept,
      };
    }
    if (firstKept === history.length && documentsKept === 0) {
      throw new KpoError(
        'KPO_PROMPT_TOO_LONG',
        `the prompt needs ${ids.length} tokens; the budget is ${budget}`,
        {
          context,
        },
      );
    }
    shortfall += ids.length - budget;
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
