/** Builds the configured retriever (loading and indexing the corpus for kind "corpus"). */
import { CorpusBm25Retriever } from './corpus-bm25-retriever.ts';
import { loadCorpusPassages } from './corpus-loader.ts';
import { HttpDocumentsRetriever, HttpEmbeddingsRetriever } from './http-retrievers.ts';
import type { RetrieverOptions } from './options.ts';
import type { Retriever } from './retriever.ts';

/** A retriever that finds nothing: kind "none". */
export const NO_RETRIEVER: Retriever = { name: 'none', retrieve: async () => [] };

export async function createRetriever(
  options: RetrieverOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Retriever> {
  switch (options.kind) {
    case 'corpus': {
      const passages = await loadCorpusPassages(options);
      return new CorpusBm25Retriever(passages, options);
    }
    case 'http-embeddings':
      return new HttpEmbeddingsRetriever({ ...options, headers: withApiKey(options.headers, env) });
    case 'http-documents':
      return new HttpDocumentsRetriever({ ...options, headers: withApiKey(options.headers, env) });
    case 'none':
      return NO_RETRIEVER;
  }
}

function withApiKey(
  headers: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  return env.RAG_API_KEY ? { authorization: `Bearer ${env.RAG_API_KEY}`, ...headers } : { ...headers };
}
