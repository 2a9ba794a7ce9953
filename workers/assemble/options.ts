/**
 * Options of the assemble stage: the `workers.assemble` section of the
 * pipeline file. Every default is written next to its field.
 */
import { z } from 'zod';
import { compileOptions } from '../../shared/options/compile-options.ts';
import { CHAT_TEMPLATE_NAMES } from './chat-template.ts';
import { DEFAULT_PREFIX_BLOCK_SIZE } from '../../shared/prefix/prefix-block-hashes.ts';

export const DEFAULT_SYSTEM_PROMPT =
  'You are a helpful assistant for questions about Kafka, LLM serving and this pipeline. ' +
  'Answer from the numbered context passages when they are relevant, cite them like [1], ' +
  'and say so when the context does not contain the answer.';

export const assembleOptionsSchema = z
  .object({
    /** The system prompt, first in every prompt and byte-identical across requests (prefix caches hit). */
    systemPrompt: z.string().min(1).default(DEFAULT_SYSTEM_PROMPT),
    /**
     * What a system message sent by the client does: "append" adds it after the configured system prompt
     * (still first in the prompt), "ignore" drops it. Default "append".
     */
    clientSystemMessages: z.enum(['append', 'ignore']).default('append'),
    /** Earlier turns sent in the request itself: "use" treats them as the newest history, "ignore" drops them. Default "use". */
    clientHistory: z.enum(['use', 'ignore']).default('use'),
    /** Tokenizer (gpt-tokenizer BPE, offline) used for counting, truncation and block hashes. Default "o200k_base". */
    tokenizer: z.enum(['o200k_base', 'cl100k_base']).default('o200k_base'),
    /** Most tokens a final prompt may have. Default 4096. */
    tokenBudget: z.number().int().positive().default(4_096),
    /** If set, the budget is also at most contextWindow − request.maxTokens (room for the answer). Default unset. */
    contextWindow: z.number().int().positive().optional(),
    /** Newest history turns considered at all (before budget truncation). Default 50. */
    maxHistoryTurns: z.number().int().nonnegative().default(50),
    /** Context block before the question; {documents} is replaced by the rendered documents. */
    contextTemplate: z.string().includes('{documents}').default('Context:\n{documents}'),
    /** One document; placeholders {index} (from 1), {source}, {id}, {text}, {score}. */
    documentTemplate: z.string().default('[{index}] ({source}) {text}'),
    /** Between rendered documents. Default a blank line. */
    documentSeparator: z.string().default('\n\n'),
    /** The final user message when there is context; {context} and {question}. */
    userTemplate: z.string().includes('{question}').default('{context}\n\nQuestion: {question}'),
    /**
     * The model servers' chat template: how they turn messages into text (chat-template.ts). The flattened
     * `prompt` and the prefix block hashes are computed over this text, so set it to what your servers use:
     * "chatml" (Qwen, SmolLM2 — the local model), "llama3", "simulator" (infra/model-sim), or "markdown" (a plain
     * layout for completion endpoints without a template). Default "markdown".
     */
    chatTemplate: z.enum(CHAT_TEMPLATE_NAMES).default('markdown'),
    /**
     * Truncation cuts whole old turns in steps of this many tokens (history-cut.ts), so the cut, and with it the
     * cached prompt prefix, stays put for several turns. Default 1024.
     */
    truncationStepTokens: z.number().int().positive().default(1_024),
    /** Tokens per prefix hash block. Default 16 (the AssembledPrompt default). */
    blockSize: z.number().int().positive().default(DEFAULT_PREFIX_BLOCK_SIZE),
  })
  .strict();

export type AssembleOptions = z.infer<typeof assembleOptionsSchema>;

/** Validates `workers.assemble` (absent = all defaults) and freezes it. */
export function parseAssembleOptions(raw: unknown): Readonly<AssembleOptions> {
  return compileOptions(assembleOptionsSchema, raw, { path: 'workers.assemble', stage: 'assemble' });
}
