/**
 * Retrievers that call HTTP services.
 *
 * HttpEmbeddingsRetriever: embeds the query with an OpenAI-compatible
 * POST /v1/embeddings ({model, input: [...]} → {data: [{index, embedding}]}),
 * micro-batching concurrent queries into one call, then asks a vector search
 * endpoint: POST searchUrl {vector, topK, minScore} → {documents: [...]}.
 *
 * HttpDocumentsRetriever: any service that takes the query itself:
 * POST url {query, topK, minScore} → {documents: [{id, score, text, source}]}.
 */
import { z } from 'zod';
import { MicroBatcher } from '../../shared/batching/micro-batcher.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import type { RetrievedDocument } from '../../shared/messages/types.ts';
import { abortError, postJson } from './http-json-client.ts';
import type { RetrieveOptions, Retriever } from './retriever.ts';

const documentsResponseSchema = z.object({
  documents: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).transform(String),
      score: z.number(),
      text: z.string(),
      source: z.string().default(''),
    }),
  ),
});

const embeddingsResponseSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

function rankDocuments(
  documents: readonly RetrievedDocument[],
  options: RetrieveOptions,
): RetrievedDocument[] {
  return documents
    .filter((d) => d.score >= options.minScore)
    .sort((a, b) => b.score - a.score)
    .slice(0, options.topK);
}

export interface HttpEmbeddingsRetrieverOptions {
  readonly embeddingsUrl: string;
  readonly embeddingModel: string;
  readonly searchUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly maxBatchSize: number;
  readonly maxBatchWaitMs: number;
  /** Timeout of one embeddings call (the batch, not a single caller). */
  readonly batchTimeoutMs: number;
}

/** A query waiting for its embedding; settled by its batch's call (or at once when its caller gives up). */
interface PendingQuery {
  readonly text: string;
  resolve(vector: number[]): void;
  reject(error: Error): void;
}

export class HttpEmbeddingsRetriever implements Retriever {
  readonly name = 'http-embeddings';
  private readonly options: HttpEmbeddingsRetrieverOptions;
  readonly batcher: MicroBatcher<PendingQuery>;

  constructor(options: HttpEmbeddingsRetrieverOptions) {
    this.options = options;
    this.batcher = new MicroBatcher<PendingQuery>({
      maxBatchSize: options.maxBatchSize,
      maxWaitMs: options.maxBatchWaitMs,
      flush: ({ items }) => {
        this.embed(items.map((query) => query.text)).then(
          (vectors) => vectors.forEach((vector, i) => items[i]?.resolve(vector)),
          (error: unknown) => items.forEach((query) => query.reject(error as Error)),
        );
      },
    });
  }

  /**
   * The query's vector, from a batched embeddings call. A caller whose signal aborts stops waiting at once:
   * before its batch goes out it leaves the batch; after, the call carries on for the others.
   */
  private embedding(text: string, signal: AbortSignal): Promise<number[]> {
    if (signal.aborted) return Promise.reject(signal.reason as Error);
    return new Promise<number[]>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      const settled = (): void => signal.removeEventListener('abort', onAbort);
      this.batcher.add(
        {
          text,
          resolve: (vector) => (settled(), resolve(vector)),
          reject: (error) => (settled(), reject(error)),
        },
        { tag: undefined, signal },
      );
    });
  }

  async retrieve(query: string, options: RetrieveOptions): Promise<RetrievedDocument[]> {
    let vector: number[];
    try {
      vector = await this.embedding(query, options.signal);
    } catch (error) {
      if (options.signal.aborted) throw abortError(this.options.embeddingsUrl, options.signal, error);
      throw error;
    }
    const response = await postJson(
      this.options.searchUrl,
      { vector, topK: options.topK, minScore: options.minScore },
      documentsResponseSchema,
      { headers: this.options.headers, signal: options.signal },
    );
    return rankDocuments(response.documents, options);
  }

  private async embed(queries: readonly string[]): Promise<number[][]> {
    const response = await postJson(
      this.options.embeddingsUrl,
      { model: this.options.embeddingModel, input: queries },
      embeddingsResponseSchema,
      { headers: this.options.headers, signal: AbortSignal.timeout(this.options.batchTimeoutMs) },
    );
    const vectors: number[][] = [];
    for (const item of response.data) vectors[item.index] = item.embedding;
    return queries.map((_, i) => {
      const vector = vectors[i];
      if (vector === undefined || vector.length === 0) {
        throw new KpoError('KPO_RETRIEVAL', `embeddings response has no vector for input ${i}`, {
          retryable: false,
          context: { endpoint: this.options.embeddingsUrl },
        });
      }
      return vector;
    });
  }

  async close(): Promise<void> {
    for (const query of this.batcher.close()) query.reject(new Error('retriever closed'));
  }
}

export interface HttpDocumentsRetrieverOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

export class HttpDocumentsRetriever implements Retriever {
  readonly name = 'http-documents';
  private readonly options: HttpDocumentsRetrieverOptions;

  constructor(options: HttpDocumentsRetrieverOptions) {
    this.options = options;
  }

  async retrieve(query: string, options: RetrieveOptions): Promise<RetrievedDocument[]> {
    const response = await postJson(
      this.options.url,
      { query, topK: options.topK, minScore: options.minScore },
      documentsResponseSchema,
      { headers: this.options.headers, signal: options.signal },
    );
    return rankDocuments(response.documents, options);
  }
}
