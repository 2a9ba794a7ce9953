/**
 * A custom stage: refuses prompts whose last user turn contains a blocked term,
 * between assemble and inference, so a refused prompt never reaches a model.
 * AssembledPrompt → AssembledPrompt. A refusal is a non-retryable KpoError: the
 * runtime dead-letters the record and the host tells the client (one error event).
 */
import { requestIdentityOf, type RequestIdentity } from '../../shared/runtime/request-identity.ts';
import { z } from 'zod';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import type { AssembledPrompt } from '../../shared/messages/types.ts';
import { defineStage } from '../../shared/runtime/stage-definition.ts';
import type { HandlerContext, StageHandler } from '../../shared/runtime/stage-handler.ts';

const moderationOptionsSchema = z
  .object({
    /** Terms refused anywhere in the last user turn, as whole words, case-insensitive. Default []. */
    blockedTerms: z.array(z.string().min(1)).default([]),
  })
  .strict();

type ModerationOptions = z.output<typeof moderationOptionsSchema>;

class ModerationHandler implements StageHandler<AssembledPrompt, AssembledPrompt> {
  private readonly blocked: readonly { term: string; pattern: RegExp }[];

  constructor(options: Readonly<ModerationOptions>) {
    const escape = (term: string): string => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.blocked = options.blockedTerms.map((term) => ({
      term,
      pattern: new RegExp(`\\b${escape(term)}\\b`, 'i'),
    }));
  }

  identify(input: AssembledPrompt): RequestIdentity {
    return requestIdentityOf(input.request);
  }

  async handle(input: AssembledPrompt, context: HandlerContext<AssembledPrompt>): Promise<void> {
    const lastUserTurn = input.request.messages.findLast((message) => message.role === 'user')?.content ?? '';
    const hit = this.blocked.find(({ pattern }) => pattern.test(lastUserTurn));
    if (hit !== undefined) {
      // The term is configuration, not prompt text: safe to put in the error the client sees.
      throw new KpoError('KPO_POLICY_BLOCKED', `refused by moderation: the prompt contains "${hit.term}"`, {
        context: {
          stage: 'moderation',
          requestId: input.request.requestId,
          sessionId: input.request.sessionId,
        },
      });
    }
    await context.emit(input);
  }
}

export default defineStage({
  name: 'moderation',
  input: 'assembledPrompt',
  output: 'assembledPrompt',
  options: moderationOptionsSchema,
  build: async ({ options }) => ({ handler: new ModerationHandler(options), close: async () => undefined }),
});
