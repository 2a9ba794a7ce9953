/**
 * Options of the rag stage: the `workers.rag` section of the pipeline file.
 * Every default is written next to its field.
 */
import { z } from 'zod';
import { compileOptions } from '../../shared/options/compile-options.ts';

const headersSchema = z.record(z.string(), z.string()).default({});

export const corpusRetrieverSchema = z
  .object({
    kind: z.literal('corpus'),
    /** Folder of .md/.txt files, read recursively at start. Default "corpus" (the sample corpus). */
    path: z.string().min(1).default('corpus'),
    /** File extensions indexed. Default [".md", ".txt"]. */
    extensions: z.array(z.string().startsWith('.')).min(1).default(['.md', '.txt']),
    /** Longest passage, in characters; paragraphs are merged up to this. Default 800. */
    passageMaxChars: z.number().int().min(100).default(800),
    /** Fuzzy match distance as a fraction of term length (0 = exact). Default 0.2. */
    fuzzy: z.number().min(0).max(1).default(0.2),
    /** Query terms also match as prefixes. Default true. */
    prefix: z.boolean().default(true),
    /** Score multiplier for matches in section titles. Default 2. */
    titleBoost: z.number().positive().default(2),
  })
  .strict();

export const httpEmbeddingsRetrieverSchema = z
  .object({
    kind: z.literal('http-embeddings'),
    /** Full URL of an OpenAI-compatible embeddings endpoint, e.g. http://127.0.0.1:8000/v1/embeddings. */
    embeddingsUrl: z.string().url(),
    /** Embedding model name sent in the call. */
    embeddingModel: z.string().min(1),
    /** Vector search endpoint: POST {vector, topK, minScore} → {documents}. */
    searchUrl: z.string().url(),
    /** Extra request headers (e.g. authorization). Default {}. Env RAG_API_KEY adds a bearer token. */
    headers: headersSchema,
    /** Queries per embeddings call at most. Default 32. */
    maxBatchSize: z.number().int().positive().default(32),
    /** How long a query waits for others to share its embeddings call. Default 5 ms. */
    maxBatchWaitMs: z.number().int().nonnegative().default(5),
    /** Timeout of one embeddings call. Default 5000 ms. */
    batchTimeoutMs: z.number().int().positive().default(5_000),
  })
  .strict();

export const httpDocumentsRetrieverSchema = z
  .object({
    kind: z.literal('http-documents'),
    /** POST {query, topK, minScore} → {documents: [{id, score, text, source}]}. */
    url: z.string().url(),
    /** Extra request headers. Default {}. Env RAG_API_KEY adds a bearer token. */
    headers: headersSchema,
  })
  .strict();

export const noRetrieverSchema = z.object({ kind: z.literal('none') }).strict();

export const ragOptionsSchema = z
  .object({
    /** Which retriever. Default: BM25 over the sample corpus folder. */
    retriever: z
      .discriminatedUnion('kind', [
        corpusRetrieverSchema,
        httpEmbeddingsRetrieverSchema,
        httpDocumentsRetrieverSchema,
        noRetrieverSchema,
      ])
      .default(corpusRetrieverSchema.parse({ kind: 'corpus' })),
    /** Documents per request at most, best first. Default 3. */
    topK: z.number().int().positive().max(100).default(3),
    /** Documents scoring below this are dropped (BM25 score or cosine similarity). Default 0 (keep all). */
    minScore: z.number().default(0),
    /** A retrieval running longer than this is aborted (KPO_TIMEOUT). Default 2000 ms. */
    timeoutMs: z.number().int().positive().default(2_000),
    /**
     * What a failed or timed-out retrieval does: "fail" throws (retryable errors are retried by the
     * runtime), "continue" passes the request on with no documents. Default "fail".
     */
    onFailure: z.enum(['fail', 'continue']).default('fail'),
    /** The query (last user turn) is cut to this many characters. Default 2000. */
    maxQueryChars: z.number().int().positive().default(2_000),
  })
  .strict();

export type RagOptions = z.infer<typeof ragOptionsSchema>;
export type RetrieverOptions = RagOptions['retriever'];

/** Validates `workers.rag` (absent = all defaults) and freezes it. */
export function parseRagOptions(raw: unknown): Readonly<RagOptions> {
  return compileOptions(ragOptionsSchema, raw, { path: 'workers.rag', stage: 'rag' });
}
