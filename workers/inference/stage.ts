/**
 * inference: model endpoints (resilience per endpoint), cache-aware routing
 * over Redis hints, optional micro-batching, the generation guard, and
 * cancellation from the control topic. AssembledPrompt → TokenChunk stream.
 *
 * Routing (`workers.routing`, shared/routing/routing-options.ts) is on when
 * Redis is configured and `enabled` is not false. Micro-batching
 * (`workers.inference.batching.enabled`) takes precedence: a batch goes to one
 * endpoint, so per-request routing does not apply to it.
 */
import { createCacheAwareRouting } from '../../shared/routing/create-cache-aware-routing.ts';
import type { RoutingOptionsInput } from '../../shared/routing/routing-options.ts';
import { RedisGenerationLeaseStore } from '../../shared/redis/redis-generation-lease-store.ts';
import { defineStage, type StageBuildDeps } from '../../shared/runtime/stage-definition.ts';
import { CancelListener } from './cancel-listener.ts';
import { reportCircuitBreakerStates } from './circuit-breaker-figures.ts';
import { createInferenceStage } from './create-inference-handler.ts';
import { GenerationGuard } from './generation-guard.ts';
import { inferenceOptionsSchema } from './options.ts';
import { resolveRedisSecurity } from '../../shared/redis/redis-security.ts';

type Deps = StageBuildDeps<unknown>;

function routingSection(deps: Deps): { enabled: boolean; options: RoutingOptionsInput } {
  const raw = deps.config.workers.routing;
  const { enabled = true, ...options } = (typeof raw === 'object' && raw !== null ? raw : {}) as {
    enabled?: boolean;
  } & RoutingOptionsInput;
  return { enabled: enabled && deps.config.endpoints.redisUrl !== undefined, options };
}

/** Redis-backed and fail closed: while Redis fails the guard waits (and says so), never generates unguarded. */
function generationGuard(deps: Deps): GenerationGuard {
  let failures = 0;
  return new GenerationGuard({
    store: new RedisGenerationLeaseStore(deps.redis(), deps.keys),
    onStoreError: (error) => {
      if (failures++ % 100 === 0) {
        const reason = error instanceof Error ? error.message : String(error);
        deps.logger.warn({ reason, count: failures }, 'generation lease store failing; waiting for it');
      }
    },
  });
}

export default defineStage({
  name: 'inference',
  input: 'assembledPrompt',
  output: 'tokenChunk',
  options: inferenceOptionsSchema,
  async build(deps) {
    const { options, figures, config } = deps;
    const routingConfig = routingSection(deps);
    const routing =
      routingConfig.enabled && config.endpoints.redisUrl !== undefined && !options.batching.enabled
        ? createCacheAwareRouting({
            redisUrl: config.endpoints.redisUrl,
            redisSecurity: resolveRedisSecurity(config.redis, config.endpoints.redisUrl, deps.env),
            keys: deps.keys,
            options: routingConfig.options,
            figures,
            workerId: deps.workerId,
          })
        : undefined;
    const guard = config.endpoints.redisUrl === undefined ? undefined : generationGuard(deps);
    const stage = createInferenceStage(config, options, {
      env: deps.env,
      ...(guard === undefined ? {} : { guard, terminalTopic: deps.topics.terminal }),
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
      topic: config.topics.cancel,
      codec: deps.codecs.cancel,
      cancels: stage.cancels,
    });
    return {
      handler: stage.handler,
      start: () => listener.start(),
      close: async () => {
        stopBreakerFigures();
        await listener.close();
        await routing?.close();
      },
    };
  },
});
