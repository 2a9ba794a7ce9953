// Generated from schemas/*.avsc by `npm run gen:types` (scripts/gen-types.ts). Do not edit:
// test/unit/messages/generated-types.test.ts fails when this file and the schemas disagree.

/** What the assemble stage writes to llm.assembled: the final prompt, ready for a model. */
export interface AssembledPrompt {
  /** The original request, unchanged. */
  request: PromptRequest;
  /** Final chat turns: system prompt, context, kept history, user turn, in a stable order. */
  messages: ChatMessage[];
  /** The same turns flattened to one string, for completion-style endpoints. */
  prompt: string | null;
  /** Tokens in the final prompt, counted with the configured tokenizer. */
  tokenCount: number;
  /** Chained hashes of the prompt's token blocks, for cache-aware routing. */
  prefixBlockHashes: string[];
  /** Tokens per hashed block. */
  blockSize: number;
  /** History turns truncated to fit the token budget. */
  droppedHistoryTurns: number;
}

/** A prompt submitted by a client to the input topic (llm.prompts), keyed by session ID. */
export interface PromptRequest {
  /** Unique ID of this request; the de-dup identity starts with it. */
  requestId: string;
  /** Conversation ID; the Kafka key at every hop, so a session keeps its partition. */
  sessionId: string;
  /** Tenant or account the request belongs to; empty when single-tenant. */
  tenant: string;
  /** The chat turns of this request, oldest first; the last user turn is the prompt. */
  messages: ChatMessage[];
  /** Model name the client asks for; routing maps it to endpoints. */
  model: string;
  /** Sampling parameters. */
  params: SamplingParams;
  /** Stop sequences; output ends before the first one. */
  stop: string[];
  /** Upper bound on generated tokens. */
  maxTokens: number;
  /** Wall-clock time (epoch ms) after which the answer is useless; the request is shed then. */
  deadlineMs: number | null;
  /** Higher is served first where a stage queues (micro-batching). */
  priority: number;
  /** Topic for this request's client events; null means the pipeline's output topic. */
  replyTo: string | null;
  /** Free-form string tags carried through the pipeline untouched. */
  metadata: Record<string, string>;
  /** When the client created the request (epoch ms); end-to-end latency counts from here. */
  createdAtMs: number;
}

/** One chat turn. */
export interface ChatMessage {
  /** Who speaks this turn. */
  role: ChatRole;
  /** The text of the turn. */
  content: string;
}

/** Chat roles as the OpenAI API names them. */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

/** The symbols of ChatRole, in schema order. */
export const CHAT_ROLE_SYMBOLS = ['system', 'user', 'assistant', 'tool'] as const;

/** How to sample tokens. */
export interface SamplingParams {
  /** Softmax temperature; 0 is greedy. */
  temperature: number;
  /** Nucleus sampling mass. */
  topP: number;
  /** Seed for reproducible sampling, if the server supports it. */
  seed: number | null;
}

/** A request to stop a generation, on the control topic (llm.cancel), keyed by session ID. */
export interface Cancel {
  /** The request to cancel. */
  requestId: string;
  /** Its session (the key, so the cancel reaches the worker that owns it). */
  sessionId: string;
  /** Why, for logs and the cancelled event. */
  reason: string;
  /** When the cancel was sent (epoch ms). */
  requestedAtMs: number;
}

/** What the output topic (llm.output or the request's reply-to) carries to clients, keyed by session ID. */
export interface ClientEvent {
  /** The request the event belongs to. */
  requestId: string;
  /** The request's session. */
  sessionId: string;
  /** token carries text; every other type is terminal and comes exactly once per request. */
  type: ClientEventType;
  /** Position in the request's event stream, from 0, without gaps. */
  seq: number;
  /** Token text (token events). */
  text: string;
  /** Token usage (done events). */
  usage: Usage | null;
  /** A KPO_* code (error, shed, rejected, cancelled). */
  errorCode: string | null;
  /** What went wrong, for a person. */
  errorMessage: string | null;
  /** When the stream stage wrote the event (epoch ms). */
  timestampMs: number;
  /** Terminal events: time from the request's createdAtMs to this event. */
  e2eMs: number | null;
  /** Terminal events: how many times the answer's generation was resumed by another worker after a crash or partition move (0 = generated in one go). */
  resumes: number;
  /** Done events: why generation ended, as the model server or the post stage said (stop, length, content_filter, ...); null on other events. */
  finishReason: string | null;
}

/** Kinds of client events. */
export type ClientEventType = 'token' | 'done' | 'error' | 'shed' | 'rejected' | 'cancelled';

/** The symbols of ClientEventType, in schema order. */
export const CLIENT_EVENT_TYPE_SYMBOLS = ['token', 'done', 'error', 'shed', 'rejected', 'cancelled'] as const;

/** Token counts of one request. */
export interface Usage {
  /** Tokens in the prompt. */
  promptTokens: number;
  /** Tokens generated. */
  completionTokens: number;
  /** Prompt tokens served from the prefix cache. */
  cachedTokens: number;
}

/** A record a stage gave up on, on <input topic>.dlq. The original bytes are kept whole, so redriving is a copy. */
export interface DeadLetter {
  /** The stage that gave up. */
  stage: string;
  /** A KPO_* error code. */
  errorCode: string;
  /** What went wrong, for a person. */
  reason: string;
  /** How many times the record was tried. */
  attempts: number;
  /** Where the record was read from. */
  sourceTopic: string;
  /** Its partition. */
  sourcePartition: number;
  /** Its offset. */
  sourceOffset: number;
  /** The record's key bytes. */
  originalKey: Buffer | null;
  /** The record's value bytes, exactly as read. */
  originalValue: Buffer | null;
  /** The record's headers. */
  originalHeaders: Record<string, Buffer>;
  /** When the stage gave up (epoch ms). */
  failedAtMs: number;
  /** The request ID, when it could be read. */
  requestId: string | null;
  /** The session ID, when it could be read. */
  sessionId: string | null;
}

/** What the rag stage writes to llm.rag: the request plus the documents retrieved for it. */
export interface RetrievalResult {
  /** The original request, unchanged. */
  request: PromptRequest;
  /** Retrieved documents, best first. */
  documents: RetrievedDocument[];
  /** Time the retrieval took, in milliseconds. */
  retrievalMs: number;
}

/** One retrieved passage. */
export interface RetrievedDocument {
  /** Document ID within its source. */
  id: string;
  /** Retriever score; higher is more relevant (BM25 or cosine). */
  score: number;
  /** The passage text given to the model. */
  text: string;
  /** Where the passage came from (file path or URL). */
  source: string;
}

/** A coalesced run of generated tokens (llm.tokens.raw and llm.tokens.post). (requestId, generationId, seq) is its de-dup identity. */
export interface TokenChunk {
  /** The request this chunk belongs to. */
  requestId: string;
  /** The request's session; also the Kafka key. */
  sessionId: string;
  /** Position of this chunk in the request's stream, from 0. */
  seq: number;
  /** The chunk's text (may be empty on the final chunk). */
  text: string;
  /** Tokens in this chunk. */
  tokenCount: number;
  /** True on the last chunk of the request. */
  final: boolean;
  /** On the final chunk: stop, length, cancelled or error. */
  finishReason: string | null;
  /** On the final chunk: token usage as the model server reported it. */
  usage: Usage | null;
  /** On the final chunk: latency figures measured by the inference stage. */
  timings: Timings | null;
  /** Which attempt of the inference call produced this chunk. */
  attempt: number;
  /** Set when the stream ended in failure (finishReason error or cancelled). */
  error: ErrorInfo | null;
  /** The request's reply-to topic, carried for the stream stage. */
  replyTo: string | null;
  /** The request's createdAtMs, for end-to-end latency. */
  requestCreatedAtMs: number;
  /** On the first and the final chunk: the user turn, so the stream stage can append the exchange to history. */
  userTurn: string | null;
  /** Identity of the generation that wrote this chunk; a generation resumed by another worker keeps it, so one answer has one ID. The stream stage keeps the first it sees per request and refuses chunks of any other. Empty: written without a generation identity. */
  generationId: string;
  /** How many times the generation had been resumed by another worker (crash or partition move) when this chunk was written. */
  resumes: number;
}

/** Latency of one generation. */
export interface Timings {
  /** Time to first token, from the model call, in milliseconds. */
  ttftMs: number;
  /** Mean inter-token latency, in milliseconds. */
  perTokenMs: number;
}

/** A failure as a client sees it. */
export interface ErrorInfo {
  /** A KPO_* error code. */
  code: string;
  /** What went wrong, for a person. */
  message: string;
}

/** Every top-level message type, by its Avro full name. */
export interface MessageTypeByName {
  'kpo.v1.AssembledPrompt': AssembledPrompt;
  'kpo.v1.Cancel': Cancel;
  'kpo.v1.ClientEvent': ClientEvent;
  'kpo.v1.DeadLetter': DeadLetter;
  'kpo.v1.PromptRequest': PromptRequest;
  'kpo.v1.RetrievalResult': RetrievalResult;
  'kpo.v1.TokenChunk': TokenChunk;
}
