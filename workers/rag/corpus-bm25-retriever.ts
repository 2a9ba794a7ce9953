/**
 * BM25 full-text retrieval over a local corpus, with MiniSearch (BM25+
 * scoring, prefix and fuzzy matching). Passages are indexed once at start;
 * section titles are boosted. A small English stop-word list keeps
 * "what is …" questions from matching every passage.
 */
import MiniSearch from 'minisearch';
import type { RetrievedDocument } from '../../shared/messages/types.ts';
import type { Passage } from './passage-chunker.ts';
import type { RetrieveOptions, Retriever } from './retriever.ts';

export interface CorpusBm25Options {
  /** Fuzzy matching distance as a fraction of term length (0 = exact). */
  readonly fuzzy: number;
  /** Match query terms as prefixes of indexed terms. */
  readonly prefix: boolean;
  /** Score multiplier for matches in a passage's section title. */
  readonly titleBoost: number;
}

const STOP_WORDS = new Set(
  (
    'a an and are as at be but by can do does for from how i in is it its me my of on or so than that the their ' +
    'them then there these they this to was we what when where which who why will with you your'
  ).split(' '),
);

function processTerm(term: string): string | null {
  const lower = term.toLowerCase();
  return STOP_WORDS.has(lower) ? null : lower;
}

export class CorpusBm25Retriever implements Retriever {
  readonly name = 'corpus-bm25';
  private readonly index: MiniSearch<Passage>;
  private readonly options: CorpusBm25Options;

  constructor(passages: readonly Passage[], options: CorpusBm25Options) {
    this.options = options;
    this.index = new MiniSearch<Passage>({
      fields: ['title', 'text'],
      storeFields: ['text', 'source'],
      processTerm,
    });
    this.index.addAll(passages);
  }

  get passageCount(): number {
    return this.index.documentCount;
  }

  async retrieve(query: string, options: RetrieveOptions): Promise<RetrievedDocument[]> {
    options.signal.throwIfAborted();
    const results = this.index.search(query, {
      boost: { title: this.options.titleBoost },
      fuzzy: this.options.fuzzy,
      prefix: this.options.prefix,
      combineWith: 'OR',
    });
    const documents: RetrievedDocument[] = [];
    for (const result of results) {
      if (documents.length >= options.topK) break;
      if (result.score < options.minScore) continue;
      documents.push({
        id: String(result.id),
        score: result.score,
        text: String(result['text']),
        source: String(result['source']),
      });
    }
    return documents;
  }
}
