/**
 * Cuts a markdown or text document into passages for retrieval: sections at
 * headings, then paragraphs merged up to maxChars (a longer paragraph is split
 * at sentence ends). Each passage keeps its section title, which is indexed
 * with a boost.
 */

export interface Passage {
  /** "<source>#<n>", n counting from 0 within the document. */
  readonly id: string;
  readonly source: string;
  readonly title: string;
  readonly text: string;
}

export function chunkDocument(source: string, content: string, maxChars: number): Passage[] {
  const passages: Passage[] = [];
  for (const section of splitSections(content)) {
    for (const text of mergeParagraphs(section.paragraphs, maxChars)) {
      passages.push({ id: `${source}#${passages.length}`, source, title: section.title, text });
    }
  }
  return passages;
}

interface Section {
  readonly title: string;
  readonly paragraphs: string[];
}

function splitSections(content: string): Section[] {
  const sections: Section[] = [];
  let current: Section = { title: '', paragraphs: [] };
  for (const block of content.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const trimmed = block.trim();
    if (trimmed.length === 0) continue;
    const heading = /^#{1,6}\s+(.+)$/m.exec(trimmed);
    if (heading && trimmed.startsWith('#')) {
      if (current.paragraphs.length > 0) sections.push(current);
      current = { title: (heading[1] ?? '').trim(), paragraphs: [] };
      const rest = trimmed.slice(trimmed.indexOf('\n') + 1).trim();
      if (trimmed.includes('\n') && rest.length > 0) current.paragraphs.push(rest);
    } else {
      current.paragraphs.push(trimmed.replace(/\s*\n\s*/g, ' '));
    }
  }
  if (current.paragraphs.length > 0) sections.push(current);
  return sections;
}

function mergeParagraphs(paragraphs: readonly string[], maxChars: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const piece of paragraphs.flatMap((p) => splitLong(p, maxChars))) {
    if (current.length > 0 && current.length + 2 + piece.length > maxChars) {
      out.push(current);
      current = piece;
    } else {
      current = current.length > 0 ? `${current}\n\n${piece}` : piece;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function splitLong(paragraph: string, maxChars: number): string[] {
  if (paragraph.length <= maxChars) return [paragraph];
  const sentences = paragraph.match(/[^.!?]+[.!?]+(\s+|$)|[^.!?]+$/g) ?? [paragraph];
  const out: string[] = [];
  let current = '';
  for (const sentence of sentences) {
    if (current.length > 0 && current.length + sentence.length > maxChars) {
      out.push(current.trim());
      current = '';
    }
    let rest = sentence;
    // a single sentence longer than maxChars is cut hard
    while (rest.length > maxChars) {
      out.push(rest.slice(0, maxChars).trim());
      rest = rest.slice(maxChars);
    }
    current += rest;
  }
  if (current.trim().length > 0) out.push(current.trim());
  return out.filter((piece) => piece.length > 0);
}
