/**
 * How the user turn becomes text: the context block from retrieved documents
 * and the question (the whole prompt's layout is chat-template.ts).
 * Rendering is pure and deterministic, so equal inputs give byte-equal prompts.
 */
import type { RetrievedDocument } from '../../shared/messages/types.ts';
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
