/**
 * The whole pipeline on one machine, as separate processes: the local stack
 * (unless endpoints are configured), the topics, model server replicas (the
 * local model or the simulator, unless model servers are configured) and N
 * workers per stage. Used by `kpo up`, `kpo demo` and the end-to-end tests.
 */
import { join } from 'node:path';
import { loadPipelineConfig } from '../../shared/config/load-pipeline-config.ts';
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { PROJECT_ROOT, readStackEndpoints, stackHome } from '../../shared/config/stack-endpoints.ts';
import { createKafkaClient, kafkaConnectionOptions } from '../../shared/kafka/create-kafka-client.ts';
import { ensureTopics } from '../../shared/pipeline/ensure-topics.ts';
import { graphNodes } from '../../shared/pipeline/pipeline-graph.ts';
import { pipelineTopicSpecs } from '../../shared/pipeline/pipeline-topics.ts';
import { stackDown, stackUp } from '../../infra/stack/local-stack.ts';
import { ChildProcessGroup } from './child-process-group.ts';
import { startModelReplicas, type LocalModelKind } from './model-replicas.ts';

export const WORKER_READY_LINE = /^kpo-worker ready stage=(\S+) pid=(\d+) http=(\d+)/;
const KPO_CLI = join(PROJECT_ROOT, 'cli', 'kpo.ts');

export interface LocalPipelineOptions {
  /**
   * Which model server to start when the pipeline file lists none: 'local' (the real SmolLM2-135M,
   * infra/local-model) or 'sim' (infra/model-sim: deterministic, for benches and fault tests).
   */
  readonly model: LocalModelKind;
  /** Worker processes per stage. Default 1 each. */
  readonly replicas?: Readonly<Record<string, number>>;
  /** Model server replicas, when no model endpoints are configured. Default 1 local / 2 sim. */
  readonly modelReplicas?: number;
  /** Extra environment for every worker (e.g. a test's topic names via KPO_CONFIG). */
  readonly workerEnv?: NodeJS.ProcessEnv;
  /** Extra flags for each model-sim replica (model: sim). */
  readonly modelSimArgs?: readonly string[];
  /** Extra node flags for every worker, e.g. ['--cpu-prof', '--cpu-prof-dir=…'] (NODE_OPTIONS refuses --cpu-prof). */
  readonly workerNodeArgs?: readonly string[];
  /** Where process logs go. Default .kpo/logs/pipeline. */
  readonly logDir?: string;
  readonly log?: (line: string) => void;
}

export interface RunningWorker {
  readonly name: string;
  readonly stage: string;
  readonly pid: number;
  readonly httpPort: number;
}

export interface LocalPipeline {
  readonly config: PipelineConfig;
  readonly env: NodeJS.ProcessEnv;
  readonly modelUrls: readonly string[];
  /** The model the servers serve (for reports): the local model's name, the simulator's, or the configured endpoints'. */
  readonly modelName: string;
  readonly workers: RunningWorker[];
  readonly group: ChildProcessGroup;
  /** Starts one more worker of a stage (scale out, or restart after a kill); `env` adds to the pipeline's. */
  startWorker(stage: string, env?: NodeJS.ProcessEnv): Promise<RunningWorker>;
  stop(): Promise<void>;
}

export async function startLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipeline> {
  const log = options.log ?? (() => undefined);
  const logDir = options.logDir ?? join(stackHome(), 'logs', 'pipeline');
  const group = new ChildProcessGroup();
  // Services this call started itself are stopped with the pipeline; ones found running are left alone.
  let startedStack = false;
  const stopAll = async (): Promise<void> => {
    await group.stopAll();
    if (startedStack) await stackDown((line) => log(`stack: ${line}`));
  };
  try {
    let config = loadPipelineConfig({ env: { ...process.env, ...options.workerEnv } });
    // Nothing configured, or the endpoints are the local stack's (possibly stale): make sure it runs.
    const stack = readStackEndpoints();
    const usesStack =
      !config.endpoints.kafkaBrokers || config.endpoints.kafkaBrokers[0] === stack?.kafkaBroker;
    if (usesStack) {
      const up = await stackUp((line) => log(`stack: ${line}`));
      startedStack = up.started.length > 0;
      log(`stack ready in ${up.readyMs} ms`);
      config = loadPipelineConfig({ env: { ...process.env, ...options.workerEnv } });
    }
    const env: NodeJS.ProcessEnv = {
      KAFKA_BROKERS: config.endpoints.kafkaBrokers?.join(','),
      SCHEMA_REGISTRY_URL: config.endpoints.schemaRegistryUrl ?? 'none',
      REDIS_URL: config.endpoints.redisUrl,
      ...options.workerEnv,
    };

    const kafka = createKafkaClient({
      brokers: config.endpoints.kafkaBrokers ?? [],
      clientId: 'kpo-up',
      ...kafkaConnectionOptions(config.kafka),
    });
    const admin = kafka.createAdmin();
    await admin.connect();
    try {
      await ensureTopics(admin, pipelineTopicSpecs(config));
    } finally {
      await admin.close();
    }

    let modelUrls = config.models.map((m) => m.url);
    let modelName = config.models.map((m) => m.name).join(',');
    if (modelUrls.length === 0) {
      const replicas = await startModelReplicas(group, {
        kind: options.model,
        replicas: options.modelReplicas,
        extraArgs: options.model === 'sim' ? options.modelSimArgs : undefined,
        logDir,
        log,
      });
      modelUrls = replicas.urls;
      modelName = replicas.modelName;
      env.MODEL_ENDPOINTS = modelUrls.join(',');
      // Both the simulator and infra/local-model continue a partial answer (resumable generation).
      env.MODEL_CONTINUATION = 'true';
      // The servers answer any name; say which ones they serve so an unknown model is refused.
      env.MODEL_NAMES ??= `default,${modelName}`;
      log(`model servers (${modelName}): ${modelUrls.join(' ')}`);
    }

    const workers: RunningWorker[] = [];
    let started = 0;
    const startWorker = async (stage: string, extraEnv?: NodeJS.ProcessEnv): Promise<RunningWorker> => {
      const name = `${stage}-${started++}`;
      const match = await group.start({
        name,
        command: process.execPath,
        args: [...(options.workerNodeArgs ?? []), '--import', 'tsx', KPO_CLI, 'worker', stage],
        env: { ...env, ...extraEnv },
        logFile: join(logDir, `${name}.log`),
        readyLine: WORKER_READY_LINE,
        readyTimeoutMs: 60_000,
      });
      const worker = { name, stage, pid: Number(match[2]), httpPort: Number(match[3]) };
      workers.push(worker);
      log(`worker ${name} ready (pid ${worker.pid}, http ${worker.httpPort})`);
      return worker;
    };
    for (const { name: stage } of graphNodes(config)) {
      await Promise.all(Array.from({ length: options.replicas?.[stage] ?? 1 }, () => startWorker(stage)));
    }
    return { config, env, modelUrls, modelName, workers, group, startWorker, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
