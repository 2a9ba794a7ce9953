/**
 * The model-worker contract: what a generation request is, what a model
 * client yields while it streams, and what it returns at the end. Adapters
 * (OpenAI-compatible, llama.cpp, TGI) all speak this; stage code never sees a
 * wire format.
 */

/** One chat turn; the same shape as kpo.v1.ChatMessage (schemas/PromptRequest.avsc). */
export interface ModelChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
}

/** Sampling parameters; undefined leaves the server's default. */
export interface GenerationParams {
  /** Upper bound on generated tokens. */
  readonly maxTokens: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly seed?: number | null;
  /** Stop sequences; output ends before the first one. */
  readonly stop?: readonly string[];
}

/** Hints a router (issue 7: cache-aware routing) passes to the chosen endpoint. */
export interface RoutingHints {
  /** llama.cpp slot to use (-1 = any idle slot). */
  readonly idSlot?: number;
  /** Ask the server to reuse its cached prefix (llama.cpp cache_prompt). Default true. */
  readonly cachePrompt?: boolean;
}

/**
 * What routing may know about a request (from kpo.v1.AssembledPrompt): its
 * session and the chained hashes of its prompt's full token blocks
 * (shared/prefix), oldest first. Selectors that route by cache locality read it.
 */
export interface RequestRouting {
  readonly sessionId: string;
  readonly prefixBlockHashes: readonly string[];
}

export interface GenerationRequest {
  /** For logs and error context only (never logged with prompt text). */
  readonly requestId: string;
  readonly model: string;
  /** Chat turns; chat endpoints use these. */
  readonly messages: readonly ModelChatMessage[];
  /** The same turns flattened, for completion-style endpoints; derived from messages when absent. */
  readonly prompt?: string | null;
  readonly params: GenerationParams;
  /** Wall-clock deadline (epoch ms) after which the answer is useless. */
  readonly deadlineMs?: number | null;
  /** Prompt tokens as counted upstream, for token budgets (micro-batching). */
  readonly promptTokens?: number;
  /** Higher is served first where requests queue (micro-batching). */
  readonly priority?: number;
  readonly hints?: RoutingHints;
  /** Session and prefix hashes for cache-aware routing; absent = route on load alone. */
  readonly routing?: RequestRouting;
  /**
   * A partial answer to continue (resumable generation): the model extends this same assistant message.
   * Chat endpoints get it as the last assistant message with continuation on; completion-style endpoints
   * get the flat prompt followed by it. Only sent to endpoints with capabilities.continuation.
   */
  readonly continuation?: string;
}

export type FinishReason = 'stop' | 'length' | 'cancelled' | 'error';

export interface TokenUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Prompt tokens the server served from its prefix cache. */
  readonly cachedTokens: number;
}

export interface GenerationTimings {
  /** Time to first token from the start of the call, ms. */
  readonly ttftMs: number;
  /** Mean inter-token latency after the first token, ms. */
  readonly perTokenMs: number;
}

/** A piece of generated text as it arrives. */
export interface GenerationChunk {
  readonly type: 'chunk';
  readonly text: string;
  /** Tokens in this piece (1 per SSE event on servers that stream token by token). */
  readonly tokenCount: number;
}

export interface GenerationResult {
  readonly type: 'done';
  /** The whole generated text (concatenation of the chunks). */
  readonly text: string;
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage;
  readonly timings: GenerationTimings;
  /** The endpoint that served the request. */
  readonly endpoint: string;
  /** The server slot that served it (llama.cpp id_slot), when the server reports one. */
  readonly slot?: number;
}

export type GenerationEvent = GenerationChunk | GenerationResult;

export interface ModelCapabilities {
  /** One call can carry several prompts (generateBatch). */
  readonly batching: boolean;
  /** The server exposes addressable slots (llama.cpp id_slot). */
  readonly slots: boolean;
  /** The server reports prefix-cache hits. */
  readonly prefixCache: boolean;
  /** The server can continue a partial answer (GenerationRequest.continuation). Absent = false. */
  readonly continuation?: boolean;
}

export interface CallOptions {
  /** Aborting closes the upstream connection. */
  readonly signal?: AbortSignal;
}
