/**
 * Local mirror of the kpo.v1 message types (schemas/*.avsc), used until the
 * generated shared/messages/types.ts lands. Field names and nullability match
 * the schemas exactly.
 */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface SamplingParams {
  temperature: number;
  topP: number;
  seed: number | null;
}

export interface PromptRequest {
  requestId: string;
  sessionId: string;
  tenant: string;
  messages: ChatMessage[];
  model: string;
  params: SamplingParams;
  stop: string[];
  maxTokens: number;
  deadlineMs: number | null;
  priority: number;
  replyTo: string | null;
  metadata: Record<string, string>;
  createdAtMs: number;
}

export interface RetrievedDocument {
  id: string;
  score: number;
  text: string;
  source: string;
}

export interface RetrievalResult {
  request: PromptRequest;
  documents: RetrievedDocument[];
  retrievalMs: number;
}

export interface AssembledPrompt {
  request: PromptRequest;
  messages: ChatMessage[];
  prompt: string | null;
  tokenCount: number;
  prefixBlockHashes: string[];
  blockSize: number;
  droppedHistoryTurns: number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export interface Timings {
  ttftMs: number;
  perTokenMs: number;
}

export interface ErrorInfo {
  code: string;
  message: string;
}

export interface TokenChunk {
  requestId: string;
  sessionId: string;
  seq: number;
  text: string;
  tokenCount: number;
  final: boolean;
  finishReason: string | null;
  usage: Usage | null;
  timings: Timings | null;
  attempt: number;
  error: ErrorInfo | null;
  replyTo: string | null;
  requestCreatedAtMs: number;
  userTurn: string | null;
}

export type ClientEventType = 'token' | 'done' | 'error' | 'shed' | 'rejected' | 'cancelled';

export interface ClientEvent {
  requestId: string;
  sessionId: string;
  type: ClientEventType;
  seq: number;
  text: string;
  usage: Usage | null;
  errorCode: string | null;
  errorMessage: string | null;
  timestampMs: number;
  e2eMs: number | null;
}
