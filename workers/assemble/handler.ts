/**
 * The assemble stage: RetrievalResult → AssembledPrompt. Loads the session's
 * history from the history store, then builds and budgets the prompt.
 * Bad input fails with a non-retryable KpoError the runtime dead-letters and
 * reports to the client: KPO_PROMPT_EMPTY, KPO_PROMPT_TOO_LONG,
 * KPO_HISTORY_CORRUPT. An unreachable Redis is a retryable KPO_REDIS.
 */
import { requestIdentityOf, type RequestIdentity } from '../../shared/runtime/request-identity.ts';
import type { AssembledPrompt, RetrievalResult } from '../../shared/messages/types.ts';
import type { ConversationHistoryStore, HistoryTurn } from '../../shared/redis/conversation-history-store.ts';
import { toKpoError } from '../../shared/errors/kpo-error.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import type { AssembleOptions } from './options.ts';
import { assemblePrompt } from './prompt-assembler.ts';
import { createTokenCounter, type TokenCounter } from './token-counter.ts';

export interface AssembleHandlerDeps {
  readonly history: ConversationHistoryStore;
  readonly options: Readonly<AssembleOptions>;
  /** Called per assembled prompt (for metrics); must not throw. */
  readonly onAssembled?: (prompt: AssembledPrompt) => void;
}

export class AssembleHandler implements StageHandler<RetrievalResult, AssembledPrompt> {
  private readonly deps: AssembleHandlerDeps;
  private readonly tokens: TokenCounter;

  constructor(deps: AssembleHandlerDeps) {
    this.deps = deps;
    this.tokens = createTokenCounter(deps.options.tokenizer);
  }

  identify(input: RetrievalResult): RequestIdentity {
    return requestIdentityOf(input.request);
  }

  async handle(input: RetrievalResult, context: HandlerContext<AssembledPrompt>): Promise<void> {
    const { request } = input;
    const where = { stage: 'assemble', requestId: request.requestId, sessionId: request.sessionId };
    let history: HistoryTurn[];
    try {
      history = await this.deps.history.load(request.sessionId);
    } catch (error) {
      throw toKpoError(error, 'KPO_REDIS').withContext(where);
    }
    const prompt = assemblePrompt(
      { request, documents: input.documents, history },
      this.deps.options,
      this.tokens,
    );
    this.deps.onAssembled?.(prompt);
    await context.emit(prompt);
  }
}
