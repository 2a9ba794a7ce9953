/**
 * Builds the inference stage from the pipeline file: endpoint pool (with the
 * configured selector), micro-batcher when enabled, cancel registry and the
 * handler. A custom selector (issue 7: cache-aware routing, which reads
 * GenerationRequest.routing) or stream function can be passed in.
 */
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { createEndpointPool } from '../../shared/model/create-model-client.ts';
import type { EndpointPool } from '../../shared/model/endpoint-pool.ts';
import {
  LeastLoadedSelector,
  RoundRobinSelector,
  type EndpointSelector,
} from '../../shared/model/endpoint-selector.ts';
import { SessionHashSelector } from '../../shared/routing/session-hash-selector.ts';
import { ModelCallBatcher, type BatchReport } from '../../shared/model/model-call-batcher.ts';
import type { GenerationResult } from '../../shared/model/types.ts';
import { CancelRegistry } from './cancel-registry.ts';
import type { GenerationGuard } from './generation-guard.ts';
import { InferenceHandler, type GenerateStream } from './handler.ts';
import { inferenceEndpoints } from './model-endpoints.ts';
import type { InferenceOptions } from './options.ts';

export interface InferenceStage {
  readonly handler: InferenceHandler;
  readonly pool: EndpointPool;
  readonly cancels: CancelRegistry;
  readonly batcher: ModelCallBatcher | undefined;
}

export interface InferenceStageExtras {
  readonly env?: NodeJS.ProcessEnv;
  readonly selector?: EndpointSelector;
  /** Replaces the default stream function (pool or batcher); receives the pool. */
  readonly generate?: (pool: EndpointPool) => GenerateStream;
  readonly onBatch?: (report: BatchReport) => void;
  readonly onResult?: (result: GenerationResult) => void;
  /** Keeps two workers from streaming one request (see generation-guard.ts). */
  readonly guard?: GenerationGuard;
  /** The stream stage's input topic, for out-of-band terminals (required with guard). */
  readonly terminalTopic?: string;
}

export function createInferenceStage(
  config: PipelineConfig,
  options: Readonly<InferenceOptions>,
  extras: InferenceStageExtras = {},
): InferenceStage {
  const endpoints = inferenceEndpoints(config, options.batchEndpoints);
  const selector = extras.selector ?? configuredSelector(options.selector);
  const pool = createEndpointPool(
    endpoints.configs,
    options.calls,
    (endpoint) => ({
      api: options.api,
      batching: endpoints.batchCapable.has(endpoint.name),
    }),
    selector,
  );
  const batcher = options.batching.enabled
    ? new ModelCallBatcher(pool, options.batching, extras.onBatch)
    : undefined;
  const generate: GenerateStream =
    extras.generate?.(pool) ??
    (batcher === undefined
      ? (request, signal) => pool.stream(request, signal)
      : (request, signal) => batcher.submit(request, signal));
  const cancels = new CancelRegistry({
    maxRemembered: options.rememberedCancels,
    rememberMs: options.rememberCancelMs,
  });
  const handler = new InferenceHandler({
    generate,
    cancels,
    flushTokens: options.flushTokens,
    flushIntervalMs: options.flushIntervalMs,
    continues: (model) => pool.continues(model),
    maxResumes: options.maxResumes,
    ...(extras.onResult === undefined ? {} : { onResult: extras.onResult }),
    ...(extras.guard === undefined ? {} : { guard: extras.guard }),
    ...(extras.terminalTopic === undefined ? {} : { terminalTopic: extras.terminalTopic }),
  });
  return { handler, pool, cancels, batcher };
}

function configuredSelector(name: InferenceOptions['selector']): EndpointSelector {
  if (name === 'round-robin') return new RoundRobinSelector();
  if (name === 'session-hash') return new SessionHashSelector();
  return new LeastLoadedSelector();
}
