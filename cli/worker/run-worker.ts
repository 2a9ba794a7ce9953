/**
 * `kpo worker <stage>`: one stage worker process. Builds everything from the
 * pipeline config — Kafka client, codecs, Redis, metrics, tracing, the stage's
 * handler — runs it as a StageWorker with /healthz, /readyz and /metrics, and
 * prints one ready line that supervisors (kpo up, tests) wait for.
 */
import type { Redis } from 'ioredis';
import type { StageName } from '../../shared/config/pipeline-config-schema.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import { createKafkaClient } from '../../shared/kafka/create-kafka-client.ts';
import { combineInstrumentation } from '../../shared/metrics/combine-instrumentation.ts';
import { createStageMetrics } from '../../shared/metrics/create-stage-metrics.ts';
import { metricsRoute } from '../../shared/metrics/metrics-route.ts';
import { stageTopics } from '../../shared/pipeline/pipeline-topics.ts';
import { createRedisConnection } from '../../shared/redis/redis-connection.ts';
import { runStageWorker } from '../../shared/runtime/run-stage-worker.ts';
import { createMessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import { startTracing } from '../../shared/tracing/start-tracing.ts';
import { createLogger } from '../../shared/logging/create-logger.ts';
import {
  registerWorkerEndpoint,
  type WorkerEndpointRegistration,
} from '../../shared/metrics/worker-endpoint-registry.ts';
import { createTracingInstrumentation } from '../../shared/tracing/tracing-instrumentation.ts';
import { loadConfig, requireBrokers } from '../cli-context.ts';
import { createFailureNotifier } from './failure-notifier.ts';
import { STAGE_ASSEMBLERS } from './stage-assemblers.ts';

export async function runWorker(stage: StageName, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig();
  const assembler = STAGE_ASSEMBLERS[stage];
  if (!assembler)
    throw new KpoError('KPO_CONFIG_INVALID', `stage ${stage} has no worker yet`, { context: { stage } });
  const brokers = requireBrokers(config);
  const tracing = startTracing(
    { serviceName: `kpo-${stage}`, otlpEndpoint: config.endpoints.otlpEndpoint },
    env,
  );
  const kafka = createKafkaClient({ brokers, clientId: `kpo-${stage}`, client: config.kafka.client });
  const codecs = await createMessageCodecs({
    schemaRegistryUrl: config.endpoints.schemaRegistryUrl ?? 'none',
  });
  const metrics = createStageMetrics(stage);
  let redis: Redis | undefined;
  const redisUrl = config.endpoints.redisUrl;
  const getRedis = (): Redis => {
    if (!redisUrl) {
      throw new KpoError(
        'KPO_CONFIG_INVALID',
        `stage ${stage} needs Redis: set REDIS_URL or endpoints.redisUrl`,
        {
          context: { stage, field: 'endpoints.redisUrl' },
        },
      );
    }
    redis ??= createRedisConnection({ url: redisUrl });
    return redis;
  };
  const assembly = await assembler({ config, codecs, kafka, redis: getRedis, figures: metrics.figures, env });
  const topics = stageTopics(config, stage);
  const notifier = createFailureNotifier({
    stage,
    kafka,
    codecs,
    streamInputTopic: config.topics.tokensPost,
    outputTopic: config.topics.output,
  });
  await notifier.start();
  await assembly.start?.();

  const registration: { endpoint?: WorkerEndpointRegistration } = {};
  const cleanup = async (): Promise<void> => {
    registration.endpoint?.unregister();
    await Promise.allSettled([assembly.close(), notifier.close(), tracing.shutdown()]);
    redis?.disconnect();
  };
  const running = await runStageWorker(
    {
      stage,
      groupId: `${config.groupPrefix}-${stage}`,
      inputTopic: topics.input,
      outputTopic: topics.output,
      handler: assembly.handler,
      inputCodec: assembly.inputCodec,
      outputCodec: assembly.outputCodec,
      deadLetterCodec: codecs.deadLetter,
      kafka,
      settings: config.stages[stage],
      deadLetterSuffix: config.topics.deadLetterSuffix,
      instrumentation: combineInstrumentation(
        metrics.instrumentation,
        createTracingInstrumentation({ stage, groupId: `${config.groupPrefix}-${stage}` }),
      ),
      onRecordFailure: (failure) => notifier.notify(failure),
      logger: createLogger({ stage }),
    },
    (code) => void cleanup().finally(() => process.exit(code)),
  );
  running.http.addRoute('/metrics', metricsRoute(metrics.registry));
  metrics.observeWorker(() => running.worker.stats());
  // Discovery for `kpo status` and the local Prometheus (file_sd under .kpo/workers/).
  registration.endpoint = registerWorkerEndpoint({ stage, target: `127.0.0.1:${running.httpPort}` });
  process.stdout.write(`kpo-worker ready stage=${stage} pid=${process.pid} http=${running.httpPort}\n`);
}
