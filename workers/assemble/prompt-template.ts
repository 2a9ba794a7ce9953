/**
 * How the parts of a prompt become text: the context block from retrieved
 * documents, the final user message, and the flattened prompt for
 * completion-style endpoints ("### System\n…\n\n### User\n…\n\n### Assistant\n").
 * Rendering is pure and deterministic, so equal inputs give byte-equal prompts.
 */
import type { ChatMessage, RetrievedDocument } from '../../shared/messages/types.ts';
import type { AssembleOptions } from './options.ts';

type TemplateOptions = Pick<
  AssembleOptions,
  'contextTemplate' | 'documentTemplate' | 'documentSeparator' | 'userTemplate'
>;

/** Replaces {name} placeholders in one pass (values are never re-scanned for placeholders). */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export function renderUserMessage(
  question: string,
  documents: readonly RetrievedDocument[],
  options: TemplateOptions,
): string {
  if (documents.length === 0) return question;
  const rendered = documents
    .map((doc, i) =>
      fillTemplate(options.documentTemplate, {
        index: String(i + 1),
        source: doc.source,
        id: doc.id,
        text: doc.text,
        score: doc.score.toFixed(3),
      }),
    )
    .join(options.documentSeparator);
  const context = fillTemplate(options.contextTemplate, { documents: rendered });
  return fillTemplate(options.userTemplate, { context, question });
}

const ROLE_HEADINGS: Readonly<Record<ChatMessage['role'], string>> = {
  system: 'System',
  user: 'User',
  assistant: 'Assistant',
  tool: 'Tool',
};

/** One turn as it appears in the flattened prompt. */
export function renderTurn(message: ChatMessage): string {
  return `### ${ROLE_HEADINGS[message.role]}\n${message.content}\n\n`;
}

/** The cue after the last turn that asks for the assistant's answer. */
export const ASSISTANT_CUE = '### Assistant\n';

export function flattenPrompt(messages: readonly ChatMessage[]): string {
  return messages.map(renderTurn).join('') + ASSISTANT_CUE;
}
