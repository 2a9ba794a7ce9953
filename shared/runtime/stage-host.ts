/**
 * The one host every stage runs in (`kpo worker <stage>`). It owns what a
 * stage must not build itself — Kafka, serde, the one Redis connection and
 * key namespace, the worker identity, the logger, metrics, tracing and the
 * failure notifier — validates the stage's options with the stage's own
 * schema, builds the stage (StageDefinition.build), runs it as a StageWorker
 * with /healthz, /readyz and /metrics, and prints one ready line that
 * supervisors (kpo up, tests) wait for.
 */
import type { Redis } from 'ioredis';
import type { PipelineConfig } from '../config/pipeline-config-schema.ts';
import { KpoError } from '../errors/kpo-error.ts';
import { createKafkaClient, kafkaConnectionOptions } from '../kafka/create-kafka-client.ts';
import { createLogger } from '../logging/create-logger.ts';
import { combineInstrumentation } from '../metrics/combine-instrumentation.ts';
import { createStageMetrics } from '../metrics/create-stage-metrics.ts';
import { metricsRoute } from '../metrics/metrics-route.ts';
import {
  registerWorkerEndpoint,
  type WorkerEndpointRegistration,
} from '../metrics/worker-endpoint-registry.ts';
import { compileOptions } from '../options/compile-options.ts';
import type { StageNode } from '../pipeline/pipeline-graph.ts';
import { createRedisConnection } from '../redis/redis-connection.ts';
import { RedisKeyNamespace } from '../redis/redis-key-namespace.ts';
import { resolveRedisSecurity } from '../redis/redis-security.ts';
import { resolveRegistryCredentials } from '../serde/registry-auth-schema.ts';
import { createMessageCodecs } from '../serde/create-message-codecs.ts';
import { startTracing } from '../tracing/start-tracing.ts';
import { createTracingInstrumentation } from '../tracing/tracing-instrumentation.ts';
import { createFailureNotifier } from './failure-notifier.ts';
import { inputCodecOf, withOutputRoute } from './graph-edges.ts';
import { RequestBacklogProbe, type BacklogWatch } from './request-backlog-probe.ts';
import { runStageWorker } from './run-stage-worker.ts';
import type { StageHandler } from './stage-handler.ts';
import type { StageDefinition } from './stage-definition.ts';
import { newWorkerId } from './worker-identity.ts';

export interface StageHostOptions {
  readonly config: PipelineConfig;
  /** The stage's node of the pipeline graph: its name, topics and where failures are announced. */
  readonly node: StageNode;
  readonly definition: StageDefinition;
  /** Per-request inputs of the other stages: with an admission limit, what they hold counts as backlog too. */
  readonly requestBacklog?: readonly BacklogWatch[];
  readonly env?: NodeJS.ProcessEnv;
}

/** How often the first stage reads the rest of the pipeline's backlog for its admission limit. */
const REQUEST_BACKLOG_POLL_MS = 500;

export async function runStageHost(options: StageHostOptions): Promise<void> {
  const { config, node, definition } = options;
  const env = options.env ?? process.env;
  const stage = node.name;
  const stageOptions = compileOptions(definition.options, config.workers[stage], {
    path: `workers.${stage}`,
    stage,
  });
  const brokers = config.endpoints.kafkaBrokers;
  if (!brokers) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      'no Kafka brokers configured. Fix: set KAFKA_BROKERS, set endpoints.kafkaBrokers in the pipeline file, or run `npm run stack -- up`',
      { context: { field: 'endpoints.kafkaBrokers', stage } },
    );
  }
  const workerId = newWorkerId(stage);
  const logger = createLogger({ stage }).child({ workerId });
  const tracing = startTracing(
    { serviceName: `kpo-${stage}`, otlpEndpoint: config.endpoints.otlpEndpoint },
    env,
  );
  const kafka = createKafkaClient({
    brokers,
    clientId: `kpo-${stage}`,
    ...kafkaConnectionOptions(config.kafka),
    logger,
  });
  const codecs = await createMessageCodecs({
    schemaRegistryUrl: config.endpoints.schemaRegistryUrl ?? 'none',
    registryCredentials: resolveRegistryCredentials(config.schemaRegistry, env),
  });
  const metrics = createStageMetrics(stage);
  let redis: Redis | undefined;
  const redisUrl = config.endpoints.redisUrl;
  const built = await definition.build({
    options: stageOptions,
    config,
    topics: { input: node.input, output: node.output, terminal: node.failureTerminal.topic },
    kafka,
    codecs,
    redis: () => {
      if (!redisUrl) {
        throw new KpoError(
          'KPO_CONFIG_INVALID',
          `stage ${stage} needs Redis: set REDIS_URL or endpoints.redisUrl`,
          {
            context: { stage, field: 'endpoints.redisUrl' },
          },
        );
      }
      redis ??= createRedisConnection({
        url: redisUrl,
        security: resolveRedisSecurity(config.redis, redisUrl, env),
      });
      return redis;
    },
    keys: new RedisKeyNamespace(config.redisKeyPrefix),
    workerId,
    figures: metrics.figures,
    logger,
    env,
  });
  const notifier = createFailureNotifier({ stage, kafka, codecs, terminal: node.failureTerminal });
  await notifier.start();
  await built.start?.();
  const watches = options.requestBacklog ?? [];
  const backlogProbe =
    node.settings.admissionLimit > 0 && watches.length > 0
      ? new RequestBacklogProbe(kafka.createAdmin(), watches, REQUEST_BACKLOG_POLL_MS, logger)
      : undefined;
  await backlogProbe?.start();

  const registration: { endpoint?: WorkerEndpointRegistration } = {};
  const cleanup = async (): Promise<void> => {
    registration.endpoint?.unregister();
    await Promise.allSettled([
      built.close(),
      notifier.close(),
      tracing.shutdown(),
      backlogProbe?.stop() ?? Promise.resolve(),
    ]);
    redis?.disconnect();
  };
  const groupId = `${config.groupPrefix}-${stage}`;
  const running = await runStageWorker(
    {
      stage,
      groupId,
      inputTopic: node.input,
      outputTopic: node.output,
      handler: withOutputRoute(built.handler as StageHandler<unknown, unknown>, node.route),
      inputCodec: inputCodecOf(codecs, node),
      outputCodec: codecs[node.outputKind],
      deadLetterCodec: codecs.deadLetter,
      kafka,
      settings: node.settings,
      deadLetterSuffix: config.topics.deadLetterSuffix,
      instrumentation: combineInstrumentation(
        metrics.instrumentation,
        createTracingInstrumentation({ stage, groupId }),
      ),
      onRecordFailure: (failure) => notifier.notify(failure),
      ...(backlogProbe === undefined ? {} : { admissionBacklog: () => backlogProbe.backlog }),
      logger,
    },
    (code) => void cleanup().finally(() => process.exit(code)),
  );
  running.http.addRoute('/metrics', metricsRoute(metrics.registry));
  metrics.observeWorker(() => running.worker.stats());
  // Discovery for `kpo status` and the local Prometheus (file_sd under .kpo/workers/).
  registration.endpoint = registerWorkerEndpoint({ stage, target: `127.0.0.1:${running.httpPort}` });
  logger.info({ workerId, input: node.input, output: node.output }, 'worker ready');
  process.stdout.write(`kpo-worker ready stage=${stage} pid=${process.pid} http=${running.httpPort}\n`);
}
