/**
 * The post stage: TokenChunk (llm.tokens.raw) → TokenChunk (llm.tokens.post).
 * One output per input chunk with the same seq, until the stream ends (see
 * PostProcessor). Redaction runs in a piscina worker-thread pool.
 */
import type { RequestIdentity } from '../../shared/runtime/request-identity.ts';
import type { TokenChunk } from '../../shared/messages/types.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';
import { redactionRules, type PostOptions } from './options.ts';
import { PostProcessor } from './post-processor.ts';
import { RedactionPool, type Redactor } from './redaction-pool.ts';

export class PostHandler implements StageHandler<TokenChunk, TokenChunk> {
  readonly processor: PostProcessor;
  private readonly redactor: Redactor | null;

  /** redactor: default a RedactionPool when the options name any rule, none otherwise. */
  constructor(options: Readonly<PostOptions>, redactor?: Redactor | null) {
    const rules = redactionRules(options);
    this.redactor =
      redactor !== undefined
        ? redactor
        : rules.length > 0
          ? new RedactionPool({
              rules,
              maxHoldChars: options.redaction.maxHoldChars,
              threads: options.redaction.threads,
              taskTimeoutMs: options.redaction.taskTimeoutMs,
            })
          : null;
    this.processor = new PostProcessor(
      {
        stopSequences: options.stopSequences,
        limits: { maxChars: options.maxChars, maxTokens: options.maxTokens },
        maxRequests: options.maxRequests,
        requestIdleTtlMs: options.requestIdleTtlMs,
      },
      this.redactor,
    );
  }

  identify(input: TokenChunk): RequestIdentity {
    const { requestId, sessionId, replyTo, requestCreatedAtMs } = input;
    return { requestId, sessionId, replyTo, requestCreatedAtMs };
  }

  async handle(input: TokenChunk, context: HandlerContext<TokenChunk>): Promise<void> {
    await this.processor.process(input, (output) => context.emit(output, { seq: output.seq }));
  }

  /** Stops the redaction threads (call at worker shutdown). */
  async close(): Promise<void> {
    await this.redactor?.close();
  }
}
