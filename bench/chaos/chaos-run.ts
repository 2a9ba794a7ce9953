/**
 * The chaos bench's run: the whole pipeline as real worker processes (two per
 * stage), a reference pass of every prompt with no faults, then requests at
 * `rate` per second from several clients (producers) on different partitions
 * while: a random worker of a random stage is SIGKILLed every `killEveryMs`
 * and restarted, the broker is restarted once, Redis is restarted once
 * (SHUTDOWN SAVE and start again: a restart, not a data loss), the model
 * simulators fail some calls (/admin/faults: errors, 429s, cut streams) and
 * garbage records go into every topic. Everything is judged on the raw
 * output topic, read by a consumer of its own (a client would hide repeats).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { startLocalPipeline, type LocalPipeline } from '../../cli/local-pipeline/local-pipeline.ts';
import { STAGE_NAMES, type PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { partitionForKey } from '../../shared/client/session-partition.ts';
import { createKafkaClient } from '../../shared/kafka/create-kafka-client.ts';
import type { KafkaClientPort, ProducerPort } from '../../shared/kafka/kafka-port.ts';
import type { ClientEvent } from '../../shared/messages/types.ts';
import { promptRequest } from '../../test/unit/workers/message-fixtures.ts';
import { createMessageCodecs, type MessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import { readPid, startDetached, stopProcess } from '../../infra/stack/service-process.ts';
import { stackLayout } from '../../infra/stack/stack-layout.ts';
import { redisService } from '../../infra/stack/redis-service.ts';
import { findPrerequisites } from '../../infra/stack/prerequisites.ts';
import { writeTestPipelineConfig } from '../../test/helpers/test-pipeline-config.ts';
import { OutputLedger, type ChaosFigures, type Window } from './output-ledger.ts';
import { BrokerKill } from './broker-kill.ts';
import { readStackEndpoints, stackKafkaBrokers } from '../../shared/config/stack-endpoints.ts';

export interface ChaosOptions {
  readonly durationMs: number;
  readonly rate: number;
  readonly clients: number;
  readonly killEveryMs: number;
  readonly prompts: number;
  readonly maxTokens: number;
  /** How long requests may take to end after the last one was sent. */
  readonly drainTimeoutMs: number;
  /** Restart the broker and Redis mid-run (default true). False where the services are shared (the test suite). */
  readonly restartServices?: boolean;
  /**
   * 'workers' (default): worker kills, model faults, garbage records and (restartServices) a broker and a Redis
   * restart. 'broker': nothing but one broker of a 3-broker local stack, SIGKILLed at 30% of the run and
   * started again at 65%.
   */
  readonly mode?: 'workers' | 'broker';
  /** Broker mode: the environment of the local stack whose broker dies (KPO_HOME, ports). Default process.env. */
  readonly stackEnv?: NodeJS.ProcessEnv;
  /** Broker mode: the node killed, 1-based. Default 2. */
  readonly brokerNode?: number;
  /** Worker processes per stage. Default 2. */
  readonly workersPerStage?: number;
  readonly log: (line: string) => void;
}

const PARTITIONS = 6;

export async function runChaos(options: ChaosOptions): Promise<ChaosFigures> {
  const brokerKill = options.mode === 'broker' ? brokerKillOf(options) : undefined;
  const { env, config } = writeTestPipelineConfig(
    // A SIGKILLed worker leaves its group after the session timeout: 10 s instead of 30 s.
    {
      stages: Object.fromEntries(
        STAGE_NAMES.map((s) => [s, { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1_000 }]),
      ),
    },
    PARTITIONS,
  );
  const pipeline = await startLocalPipeline({
    model: 'sim',
    workerEnv: { ...env, ...(brokerKill ? { KAFKA_BROKERS: brokerKill.brokers.join(',') } : {}) },
    modelReplicas: 2,
    replicas: Object.fromEntries(STAGE_NAMES.map((s) => [s, options.workersPerStage ?? 2])),
    log: (line) => options.log(line),
  });
  const brokers = pipeline.config.endpoints.kafkaBrokers ?? config.endpoints.kafkaBrokers ?? [];
  const kafka = createKafkaClient({ brokers: [...brokers], clientId: 'kpo-chaos', logLevel: 'nothing' });
  const codecs = await createMessageCodecs({
    schemaRegistryUrl: pipeline.config.endpoints.schemaRegistryUrl!,
  });
  const ledger = new OutputLedger();
  ledger.note = options.log;
  const reader = kafka.createConsumer({ groupId: `${config.groupPrefix}-chaos-reader`, maxWaitTimeMs: 100 });
  const producers: ProducerPort[] = [];
  try {
    await reader.subscribe([pipeline.config.topics.output], { fromBeginning: true });
    await reader.run({
      onBatch: async (batch) => {
        for (const record of batch.records) {
          // The reader commits nothing: after its group rejoins (broker restart) it reads from the start again.
          if (record.value === null || !ledger.firstRead(record.partition, record.offset)) continue;
          const event = await decodeOrNull(codecs, record.value);
          if (event === null) ledger.garbageSeen += 1;
          else ledger.event(event, Date.now());
        }
        return batch.records.length;
      },
    });
    for (let i = 0; i < options.clients; i++) {
      const producer = kafka.createProducer();
      await producer.connect();
      producers.push(producer);
    }
    const prompts = Array.from(
      { length: options.prompts },
      (_, i) => `chaos question ${i}: how do partitions move?`,
    );
    const send = sender(pipeline.config, codecs, producers, options, ledger);

    // Reference: every prompt once with no faults; the simulator answers a prompt the same way every time.
    options.log(`reference pass: ${prompts.length} prompts`);
    const reference = new Map<string, string>();
    const referenceIds = await Promise.all(prompts.map((prompt, i) => send(prompt, i, 'ref')));
    await ledger.waitForTerminals(referenceIds, 120_000);
    referenceIds.forEach((id, i) => reference.set(prompts[i]!, ledger.doneText(id) ?? ''));
    ledger.forget(referenceIds);

    if (!brokerKill) await setFaults(pipeline, { errorRate: 0.03, rateLimitRate: 0.02, cutRate: 0.05 });
    const chaos = new ChaosActions(pipeline, options.log);
    const stopAt = Date.now() + options.durationMs;
    const actions = brokerKill
      ? [brokerSteps(brokerKill.kill, options.durationMs, options.log)]
      : [
          chaos.killLoop(options.killEveryMs, stopAt),
          chaos.garbageLoop(kafka, stopAt),
          ...(options.restartServices === false
            ? []
            : [
                chaos.at(options.durationMs * 0.35, () => chaos.restartBroker()),
                chaos.at(options.durationMs * 0.65, () => chaos.restartRedis()),
              ]),
        ];
    const sentIds: string[] = [];
    for (let i = 0; Date.now() < stopAt; i++) {
      const prompt = prompts[i % prompts.length]!;
      void send(prompt, i, 'run').then((id) => {
        sentIds.push(id);
        ledger.expect(id, reference.get(prompt) ?? '');
      });
      await sleep(1_000 / options.rate);
    }
    await Promise.allSettled(actions);
    if (!brokerKill) await setFaults(pipeline, { errorRate: 0, rateLimitRate: 0, cutRate: 0 });
    options.log(`sent ${sentIds.length}; waiting for their ends`);
    await ledger.waitForTerminals(sentIds, options.drainTimeoutMs).catch(() => undefined);
    return ledger.figures(sentIds, {
      kills: chaos.kills,
      failedWorkerStarts: chaos.failedStarts,
      brokerRestart: chaos.brokerRestart,
      redisRestart: chaos.redisRestart,
      ...(brokerKill?.kill.down
        ? { brokerKill: { down: brokerKill.kill.down, rejoin: brokerKill.kill.rejoin } }
        : {}),
    });
  } finally {
    await reader.close().catch(() => undefined);
    await Promise.all(producers.map((p) => p.close().catch(() => undefined)));
    await pipeline.stop();
  }
}

/** Broker mode's victim and the whole cluster's bootstrap list, from the stack's endpoints file. */
function brokerKillOf(options: ChaosOptions): { kill: BrokerKill; brokers: readonly string[] } {
  const stackEnv = options.stackEnv ?? process.env;
  const endpoints = readStackEndpoints(stackEnv);
  if (endpoints === undefined) {
    throw new Error('broker mode needs the local stack running: npm run stack -- up --brokers 3');
  }
  const brokers = stackKafkaBrokers(endpoints);
  const kill = new BrokerKill(stackLayout(stackEnv), brokers.length, options.brokerNode ?? 2, options.log);
  return { kill, brokers };
}

/** SIGKILL at 30% of the run, start again at 65%: both steps' recovery is judged from the output topic. */
async function brokerSteps(kill: BrokerKill, durationMs: number, log: (line: string) => void): Promise<void> {
  try {
    await sleep(durationMs * 0.3);
    await kill.kill();
    await sleep(durationMs * 0.35);
    await kill.restart();
  } catch (error) {
    log(`broker step failed: ${String(error)}`);
  }
}

async function decodeOrNull(codecs: MessageCodecs, value: Buffer): Promise<ClientEvent | null> {
  try {
    return await codecs.clientEvent.decode(value);
  } catch {
    return null;
  }
}

/** Sends one prompt for a fresh session; client i owns the sessions of its partitions. */
function sender(
  config: PipelineConfig,
  codecs: MessageCodecs,
  producers: readonly ProducerPort[],
  options: ChaosOptions,
  ledger: OutputLedger,
) {
  // Sessions new to this run: a session of an earlier run on the same stack has history, so another prompt.
  const runId = randomBytes(3).toString('hex');
  return async (prompt: string, i: number, phase: string): Promise<string> => {
    const client = i % producers.length;
    const sessionId = sessionOnPartition(`${runId}-${phase}-${i}`, client % PARTITIONS);
    const requestId = `${phase}-${i}-${randomBytes(4).toString('hex')}`;
    const request = promptRequest({
      requestId,
      sessionId,
      messages: [{ role: 'user', content: prompt }],
      model: 'default',
      params: { temperature: 0, topP: 1, seed: 7 },
      maxTokens: options.maxTokens,
      createdAtMs: Date.now(),
    });
    ledger.sent(requestId, request.createdAtMs);
    const value = await codecs.promptRequest.encode(request);
    for (let attempt = 1; ; attempt++) {
      try {
        await producers[client]!.send([{ topic: config.topics.prompts, key: sessionId, value }]);
        return requestId;
      } catch (error) {
        // The broker may be restarting: a client retries its send.
        if (attempt >= 30) throw error;
        await sleep(1_000);
      }
    }
  };
}

function sessionOnPartition(base: string, partition: number): string {
  for (let n = 0; ; n++) {
    const session = `${base}-${n}`;
    if (partitionForKey(session, PARTITIONS) === partition) return session;
  }
}

async function setFaults(pipeline: LocalPipeline, faults: Record<string, number>): Promise<void> {
  await Promise.all(
    pipeline.modelUrls.map((url) =>
      fetch(`${url}/admin/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(faults),
        signal: AbortSignal.timeout(5_000),
      }),
    ),
  );
}

/** How long after the run a killed worker's supervisor keeps starting it again. */
const RESTART_GIVE_UP_MS = 60_000;

class ChaosActions {
  kills = 0;
  /** Worker starts that failed (exited before ready, or not ready in time) and were tried again. */
  failedStarts = 0;
  brokerRestart: Window | undefined;
  redisRestart: Window | undefined;

  constructor(
    private readonly pipeline: LocalPipeline,
    private readonly log: (line: string) => void,
  ) {}

  async at(delayMs: number, action: () => Promise<void>): Promise<void> {
    await sleep(delayMs);
    await action().catch((error: unknown) => this.log(`chaos action failed: ${String(error)}`));
  }

  async killLoop(everyMs: number, stopAt: number): Promise<void> {
    const restarts: Promise<unknown>[] = [];
    while (Date.now() + everyMs < stopAt) {
      await sleep(everyMs);
      const stage = STAGE_NAMES[Math.floor(Math.random() * STAGE_NAMES.length)]!;
      const ofStage = this.pipeline.workers.filter((w) => w.stage === stage);
      const victim = ofStage[Math.floor(Math.random() * ofStage.length)];
      if (victim === undefined) continue;
      try {
        process.kill(victim.pid, 'SIGKILL');
      } catch {
        continue;
      }
      this.kills += 1;
      this.pipeline.workers.splice(this.pipeline.workers.indexOf(victim), 1);
      this.log(`killed ${victim.name}`);
      restarts.push(this.restart(stage, stopAt + RESTART_GIVE_UP_MS));
    }
    await Promise.allSettled(restarts);
  }

  /**
   * Starts a worker of the stage again, as a supervisor would: a worker that exits before it is ready (its
   * service check fails while the broker restarts) or is not ready in time is started again, until `giveUpAt`.
   */
  private async restart(stage: string, giveUpAt: number): Promise<void> {
    const startMs = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const worker = await this.pipeline.startWorker(stage);
        this.log(`restarted ${worker.name} after ${Date.now() - startMs} ms (${attempt} start(s))`);
        return;
      } catch (error) {
        this.failedStarts += 1;
        this.log(`restart of a ${stage} worker, start ${attempt}: ${String(error)}`);
        if (Date.now() > giveUpAt) return;
        await sleep(1_000);
      }
    }
  }

  async garbageLoop(kafka: KafkaClientPort, stopAt: number): Promise<void> {
    const producer = kafka.createProducer();
    await producer.connect();
    const topics = Object.entries(this.pipeline.config.topics)
      .filter(
        ([name]) => name !== 'partitions' && name !== 'replicationFactor' && name !== 'deadLetterSuffix',
      )
      .map(([, topic]) => String(topic));
    try {
      while (Date.now() < stopAt) {
        await sleep(2_000);
        await producer
          .send(
            topics.map((topic) => ({
              topic,
              key: `garbage-${randomBytes(3).toString('hex')}`,
              value: randomBytes(40),
            })),
          )
          .catch(() => undefined);
      }
    } finally {
      await producer.close().catch(() => undefined);
    }
  }

  /** SIGTERM (a clean shutdown) and the same broker process started again on its data. */
  async restartBroker(): Promise<void> {
    const startMs = Date.now();
    this.log('restarting the broker');
    await restartInPlace('kafka', async (pidFile) => {
      await stopProcess(pidFile, 30_000);
    });
    const kafka = createKafkaClient({
      brokers: [...this.pipeline.config.endpoints.kafkaBrokers!],
      logLevel: 'nothing',
    });
    await until(90_000, async () => {
      const admin = kafka.createAdmin();
      try {
        await admin.connect();
        await admin.listTopics();
        return true;
      } finally {
        await admin.close().catch(() => undefined);
      }
    });
    this.brokerRestart = { startMs, endMs: Date.now() };
    this.log(`broker back after ${Date.now() - startMs} ms`);
  }

  /** SHUTDOWN SAVE and the same server started again, loading its snapshot: a restart, not a data loss. */
  async restartRedis(): Promise<void> {
    const startMs = Date.now();
    this.log('restarting Redis');
    const url = this.pipeline.config.endpoints.redisUrl!;
    const client = () => {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      redis.on('error', () => undefined);
      return redis;
    };
    await restartInPlace('redis', async (pidFile) => {
      const redis = client();
      await redis.connect();
      await redis.shutdown('SAVE').catch(() => undefined);
      redis.disconnect();
      await stopProcess(pidFile, 10_000);
    });
    await until(30_000, async () => {
      const redis = client();
      try {
        await redis.connect();
        return (await redis.ping()) === 'PONG';
      } finally {
        redis.disconnect();
      }
    });
    this.redisRestart = { startMs, endMs: Date.now() };
    this.log(`Redis back after ${Date.now() - startMs} ms`);
  }
}

/**
 * Stops a local-stack service and starts it again on its data. Kafka: the very same command line (the stack's own
 * start would format its storage). Redis: the stack's own start (it keeps the data folder, so the snapshot SHUTDOWN
 * SAVE wrote is loaded); its command line cannot be read back, since redis-server rewrites its process title.
 */
async function restartInPlace(
  service: 'kafka' | 'redis',
  stop: (pidFile: string) => Promise<void>,
): Promise<void> {
  const layout = stackLayout();
  const pidFile = layout.pidFile(service);
  const pid = readPid(pidFile);
  if (pid === undefined) throw new Error(`${service} has no pid file: is the local stack running?`);
  if (service === 'redis') {
    await stop(pidFile);
    await redisService(layout).start(findPrerequisites(layout));
    return;
  }
  const [command, ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((a) => a !== '');
  await stop(pidFile);
  startDetached({ command: command!, args, logFile: `${layout.logFile(service)}.restarted`, pidFile });
}

async function until(timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not back within ${timeoutMs} ms`);
    await sleep(250);
  }
}
