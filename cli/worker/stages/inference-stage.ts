/**
 * inference: model endpoints (resilience per endpoint), cache-aware routing
 * over Redis hints, optional micro-batching, cancellation from the control
 * topic. AssembledPrompt → TokenChunk stream.
 *
 * Routing (`workers.routing`, shared/routing/routing-options.ts) is on when
 * Redis is configured and `enabled` is not false. Micro-batching
 * (`workers.inference.batching.enabled`) takes precedence: a batch goes to one
 * endpoint, so per-request routing does not apply to it.
 */
import type { AssembledPrompt, TokenChunk } from '../../../shared/messages/types.ts';
import {
  createCacheAwareRouting,
  type CacheAwareRouting,
} from '../../../shared/routing/create-cache-aware-routing.ts';
import type { RoutingOptionsInput } from '../../../shared/routing/routing-options.ts';
import { CancelListener } from '../../../workers/inference/cancel-listener.ts';
import { GenerationGuard } from '../../../workers/inference/generation-guard.ts';
import { RedisGenerationLeaseStore } from '../../../shared/redis/redis-generation-lease-store.ts';
import { RedisKeyNamespace } from '../../../shared/redis/redis-key-namespace.ts';
import { createInferenceStage } from '../../../workers/inference/create-inference-handler.ts';
import { parseInferenceOptions } from '../../../workers/inference/options.ts';
import { stageSection, type StageAssembly, type StageDeps } from '../stage-assembly.ts';
import { reportCircuitBreakerStates } from './circuit-breaker-figures.ts';

function routingSection(deps: StageDeps): { enabled: boolean; options: RoutingOptionsInput } {
  const raw = stageSection(deps.config, 'routing');
  const { enabled = true, ...options } = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    enabled?: boolean;
  } & RoutingOptionsInput;
  return { enabled: enabled && deps.config.endpoints.redisUrl !== undefined, options };
}

/** Redis-backed and fail closed: while Redis fails the guard waits (and says so on stderr), never generates unguarded. */
function generationGuard(deps: StageDeps): GenerationGuard {
  let failures = 0;
  return new GenerationGuard({
    store: new RedisGenerationLeaseStore(deps.redis(), new RedisKeyNamespace()),
    onStoreError: (error) => {
      if (failures++ % 100 === 0) {
        const reason = error instanceof Error ? error.message : String(error);
        process.stderr.write(
          `${JSON.stringify({ level: 'warn', stage: 'inference', msg: 'generation lease store failing; waiting for it', reason, count: failures })}\n`,
        );
      }
    },
  });
}

export async function assembleInferenceStage(
  deps: StageDeps,
): Promise<StageAssembly<AssembledPrompt, TokenChunk>> {
  const options = parseInferenceOptions(stageSection(deps.config, 'inference'));
  const { figures } = deps;
  const routingConfig = routingSection(deps);
  const routing: CacheAwareRouting | undefined =
    routingConfig.enabled && !options.batching.enabled
      ? createCacheAwareRouting({
          redisUrl: deps.config.endpoints.redisUrl!,
          options: routingConfig.options,
          figures,
          workerId: `${process.pid}`,
        })
      : undefined;
  const guard = deps.config.endpoints.redisUrl === undefined ? undefined : generationGuard(deps);
  const stage = createInferenceStage(deps.config, options, {
    env: deps.env,
    ...(guard === undefined ? {} : { guard, terminalTopic: deps.config.topics.tokensPost }),
    ...(routing === undefined ? {} : { selector: routing.selector }),
    onBatch: (report) => figures.observeBatchSize(report.size),
    onResult: (result) => {
      figures.observeTimeToFirstToken(result.timings.ttftMs / 1000);
      figures.observeInterTokenLatency(result.timings.perTokenMs / 1000);
      figures.addTokens('prompt', result.usage.promptTokens);
      figures.addTokens('completion', result.usage.completionTokens);
      figures.addTokens('cached', result.usage.cachedTokens);
    },
  });
  const stopBreakerFigures = reportCircuitBreakerStates(stage.pool.endpoints, figures);
  if (routing) figures.startRoutingSeries(stage.pool.endpoints.map((endpoint) => endpoint.name));
  const listener = new CancelListener({
    kafka: deps.kafka,
    topic: deps.config.topics.cancel,
    codec: deps.codecs.cancel,
    cancels: stage.cancels,
  });
  return {
    handler: stage.handler,
    inputCodec: deps.codecs.assembledPrompt,
    outputCodec: deps.codecs.tokenChunk,
    start: () => listener.start(),
    close: async () => {
      stopBreakerFigures();
      await listener.close();
      await routing?.close();
    },
  };
}
