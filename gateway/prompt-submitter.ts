/**
 * What the gateway needs from the pipeline's client side, and nothing more:
 * submit a prompt and follow its events, cancel it, start and close.
 * shared/client/prompt-client.ts satisfies it; a replacement reader only has
 * to satisfy it too.
 */
import type { PromptInput, SubmittedRequest } from '../shared/client/prompt-client.ts';

export interface PromptSubmitter {
  /** Connects (idempotent); the gateway reports ready once it resolved. */
  start(): Promise<void>;
  /** Produces the prompt; its events can be iterated without missing any. */
  submit(input: PromptInput): Promise<SubmittedRequest>;
  /** Produces a Cancel record (llm.cancel); the request's stream then ends with a cancelled event. */
  cancel(requestId: string, sessionId: string, reason?: string): Promise<void>;
  close(): Promise<void>;
}
