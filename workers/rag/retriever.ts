/**
 * The rag stage's plug point: anything that turns a query into ranked
 * passages. Built in: BM25 over a local corpus folder (CorpusBm25Retriever)
 * and HTTP services (HttpEmbeddingsRetriever, HttpDocumentsRetriever).
 */
import type { RetrievedDocument } from '../../shared/messages/types.ts';

export interface RetrieveOptions {
  /** At most this many documents, best first. */
  readonly topK: number;
  /** Documents scoring below this are left out (retriever's own scale: BM25 or cosine). */
  readonly minScore: number;
  /** Aborted on timeout or cancellation; the retriever must stop waiting and reject. */
  readonly signal: AbortSignal;
}

export interface Retriever {
  /** Name for logs and metrics, e.g. "corpus-bm25". */
  readonly name: string;
  /** Ranked documents for the query, best first. Throws KpoError (KPO_RETRIEVAL / KPO_TIMEOUT). */
  retrieve(query: string, options: RetrieveOptions): Promise<RetrievedDocument[]>;
  /** Releases sockets or timers; optional. */
  close?(): Promise<void>;
}
