/**
 * The interface every model adapter implements. generate() streams one
 * request: zero or more chunks, then exactly one result, or it throws a
 * KpoError. Aborting the signal closes the HTTP connection to the server.
 */
import type {
  CallOptions,
  GenerationEvent,
  GenerationRequest,
  GenerationResult,
  ModelCapabilities,
} from './types.ts';

export interface ModelClient {
  /** Endpoint name, for routing, metrics and error context. */
  readonly name: string;
  readonly capabilities: ModelCapabilities;
  generate(request: GenerationRequest, options?: CallOptions): AsyncIterable<GenerationEvent>;
  /**
   * Several prompts in one call (only when capabilities.batching). Results come
   * back in request order; one prompt's failure fails the call.
   */
  generateBatch?(requests: readonly GenerationRequest[], options?: CallOptions): Promise<GenerationResult[]>;
}
