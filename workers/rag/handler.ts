/**
 * The rag stage: PromptRequest → RetrievalResult. The query is the request's
 * last user turn; retrieval runs under a timeout combined with the runtime's
 * signal. A request with no user turn passes on with no documents (assemble
 * rejects it with KPO_PROMPT_EMPTY, so the error is raised in one place).
 */
import { requestIdentityOf, type RequestIdentity } from '../../shared/runtime/request-identity.ts';
import { KpoError, toKpoError } from '../../shared/errors/kpo-error.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import { lastUserTurn } from './last-user-turn.ts';
import type { PromptRequest, RetrievalResult, RetrievedDocument } from '../../shared/messages/types.ts';
import type { RagOptions } from './options.ts';
import type { Retriever } from './retriever.ts';

export interface RagHandlerDeps {
  readonly retriever: Retriever;
  readonly options: Readonly<RagOptions>;
  /** Called after each retrieval (for metrics); must not throw. */
  readonly onRetrieval?: (durationMs: number, documents: number, outcome: 'ok' | 'failed') => void;
}

export class RagHandler implements StageHandler<PromptRequest, RetrievalResult> {
  private readonly deps: RagHandlerDeps;

  constructor(deps: RagHandlerDeps) {
    this.deps = deps;
  }

  identify(input: PromptRequest): RequestIdentity {
    return requestIdentityOf(input);
  }

  async handle(input: PromptRequest, context: HandlerContext<RetrievalResult>): Promise<void> {
    const started = performance.now();
    const documents = await this.retrieve(input, context.signal);
    const retrievalMs = performance.now() - started;
    this.deps.onRetrieval?.(retrievalMs, documents?.length ?? 0, documents === null ? 'failed' : 'ok');
    await context.emit({ request: input, documents: documents ?? [], retrievalMs });
  }

  /** The documents, or null when retrieval failed and onFailure is "continue". */
  private async retrieve(input: PromptRequest, signal: AbortSignal): Promise<RetrievedDocument[] | null> {
    const { options, retriever } = this.deps;
    const query = lastUserTurn(input.messages).trim().slice(0, options.maxQueryChars);
    if (query.length === 0) return [];
    const timeout = new AbortController();
    const timer = setTimeout(() => {
      timeout.abort(
        new KpoError('KPO_TIMEOUT', `retrieval took longer than ${options.timeoutMs} ms`, {
          retryable: true,
          context: { stage: 'rag', requestId: input.requestId, sessionId: input.sessionId },
        }),
      );
    }, options.timeoutMs);
    try {
      return await retriever.retrieve(query, {
        topK: options.topK,
        minScore: options.minScore,
        signal: AbortSignal.any([signal, timeout.signal]),
      });
    } catch (error) {
      if (options.onFailure === 'continue' && !signal.aborted) return null;
      throw toKpoError(error, 'KPO_RETRIEVAL').withContext({
        stage: 'rag',
        requestId: input.requestId,
        sessionId: input.sessionId,
      });
    } finally {
      clearTimeout(timer);
    }
  }
}
