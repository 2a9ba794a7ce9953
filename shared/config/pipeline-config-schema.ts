/**
 * The pipeline file's schema: topics, per-stage knobs, endpoints and model
 * servers. Every default is written next to its field, here and nowhere else.
 */
import { z } from 'zod';
import { kafkaConnectionSchema } from '../kafka/kafka-connection-schema.ts';
import { redisConnectionSchema } from '../redis/redis-connection-schema.ts';
import { registryAuthSchema } from '../serde/registry-auth-schema.ts';

export const STAGE_NAMES = ['rag', 'assemble', 'inference', 'post', 'stream'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

export const retrySchema = z
  .object({
    /** Attempts in all, the first included. Default 3. */
    maxAttempts: positiveInt.default(3),
    /** First backoff; doubles each attempt, with full jitter. Default 100 ms. */
    baseDelayMs: nonNegativeInt.default(100),
    /** Backoff ceiling, also the cap on a server's retry-after hint. Default 5000 ms. */
    maxDelayMs: nonNegativeInt.default(5_000),
  })
  .strict();

export const stageSchema = z
  .object({
    /** Records handled at once by one worker, across sessions. Default 16. */
    concurrency: positiveInt.default(16),
    /** In-flight budget per worker (the queue depth): fetched but not yet committed. Default 512. */
    queueDepth: positiveInt.default(512),
    /** Resume fetching when in-flight falls to this fraction of queueDepth. Default 0.5. */
    lowWatermarkRatio: z.number().gt(0).lt(1).default(0.5),
    /** A handler running longer than this fails with KPO_TIMEOUT (retryable). Default 120000 ms. */
    handlerTimeoutMs: positiveInt.default(120_000),
    /** Records older than this (by their timestamp) are shed, not handled. 0 = never. Default 0. */
    maxAgeMs: nonNegativeInt.default(0),
    /** First stage only: reject new requests while the backlog exceeds this. 0 = no limit. Default 0. */
    admissionLimit: nonNegativeInt.default(0),
    retry: retrySchema.default({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5_000 }),
    /** Consumer session timeout. Default 30000 ms. */
    sessionTimeoutMs: positiveInt.default(30_000),
    /** Consumer heartbeat interval; must stay below a third of sessionTimeoutMs. Default 3000 ms. */
    heartbeatIntervalMs: positiveInt.default(3_000),
    /** Time SIGTERM gives in-flight work before the worker gives up on it. Default 30000 ms. */
    shutdownGraceMs: positiveInt.default(30_000),
    /** Port of /healthz, /readyz and /metrics. 0 = any free port. Default 0. */
    httpPort: nonNegativeInt.max(65_535).default(0),
    /** Address of that HTTP server. Default 127.0.0.1; containers set 0.0.0.0 so Prometheus can scrape. */
    httpHost: z.string().min(1).default('127.0.0.1'),
  })
  .strict()
  .superRefine((stage, ctx) => {
    // kafkajs needs several heartbeats per session timeout to survive one lost packet.
    if (stage.heartbeatIntervalMs * 3 > stage.sessionTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatIntervalMs'],
        message: `at most a third of sessionTimeoutMs (${stage.sessionTimeoutMs})`,
      });
    }
    if (stage.concurrency > stage.queueDepth) {
      ctx.addIssue({
        code: 'custom',
        path: ['concurrency'],
        message: `at most queueDepth (${stage.queueDepth}): the extra slots could never fill`,
      });
    }
    if (stage.retry.baseDelayMs > stage.retry.maxDelayMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['retry', 'baseDelayMs'],
        message: `at most retry.maxDelayMs (${stage.retry.maxDelayMs})`,
      });
    }
  });

export const topicsSchema = z
  .object({
    /** Partitions of every pipeline topic (equal counts keep a session on one partition number). Default 6. */
    partitions: positiveInt.default(6),
    /**
     * Replication factor when kpo creates topics. Default: the cluster's default.replication.factor (the local
     * stack: 1, or 3 with `--brokers 3`, whose min.insync.replicas is 2; managed clusters: usually 3).
     */
    replicationFactor: positiveInt.optional(),
    prompts: z.string().min(1).default('llm.prompts'),
    rag: z.string().min(1).default('llm.rag'),
    assembled: z.string().min(1).default('llm.assembled'),
    tokensRaw: z.string().min(1).default('llm.tokens.raw'),
    tokensPost: z.string().min(1).default('llm.tokens.post'),
    output: z.string().min(1).default('llm.output'),
    cancel: z.string().min(1).default('llm.cancel'),
    /** Dead-letter topic of a stage = its input topic + this suffix. Default ".dlq". */
    deadLetterSuffix: z.string().min(1).default('.dlq'),
  })
  .strict();

export const endpointsSchema = z
  .object({
    /** Kafka bootstrap servers. Env KAFKA_BROKERS (comma-separated). Default: the local stack's. */
    kafkaBrokers: z.array(z.string().min(1)).min(1).optional(),
    /** Confluent-compatible registry URL. Env SCHEMA_REGISTRY_URL; "none" = registry-less mode. */
    schemaRegistryUrl: z.string().optional(),
    /** Redis URL. Env REDIS_URL. Default: the local stack's. */
    redisUrl: z.string().optional(),
    /** OTLP/HTTP collector; tracing export is off without it. Env OTEL_EXPORTER_OTLP_ENDPOINT. */
    otlpEndpoint: z.string().url().optional(),
  })
  .strict();

export const modelEndpointSchema = z
  .object({
    /** Name used in routing, metrics and logs. */
    name: z.string().min(1),
    /** Wire protocol: OpenAI-compatible, llama.cpp /completion, or TGI /generate_stream. */
    kind: z.enum(['openai', 'llamacpp', 'tgi']).default('openai'),
    /** Base URL, e.g. http://127.0.0.1:8000. */
    url: z.string().url(),
    /** Models this endpoint serves; empty = any. */
    models: z.array(z.string()).default([]),
    /** API key; env MODEL_API_KEY overrides for every endpoint. */
    apiKey: z.string().optional(),
    /** Max concurrent calls (bulkhead). Default 64. */
    maxConcurrent: positiveInt.default(64),
    /**
     * The server can continue a partial answer, so a generation interrupted mid-answer is resumed
     * (vLLM/SGLang `continue_final_message`, llama.cpp). Default: true for llamacpp, false otherwise
     * (OpenAI's hosted API cannot; there an interrupted answer ends with KPO_MODEL_STREAM).
     */
    continuation: z.boolean().optional(),
  })
  .strict();

const topicName = z.string().min(1);

export const graphNodeSchema = z
  .object({
    /** Node name: consumer group `<groupPrefix>-<name>`, knobs `stages.<name>`, options `workers.<name>`. */
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    /**
     * The stage definition it runs: a built-in stage (rag, assemble, inference, post, stream) or a module path
     * (relative to the pipeline file's folder, or absolute) whose default export is a StageDefinition. Default: the name.
     */
    uses: z.string().min(1).optional(),
    /** Topic it reads. */
    input: topicName,
    /** Topic it writes; or one topic per value of a field of its output message (`by`), with a default. */
    output: z.union([
      topicName,
      z
        .object({
          /** Field of the output message whose value picks the topic: a dotted path to a string, e.g. "request.model". */
          by: z.string().min(1),
          /** Value → topic. */
          routes: z.record(z.string(), topicName),
          /** Topic of every other value. */
          default: topicName,
        })
        .strict(),
    ]),
  })
  .strict();

export const pipelineConfigSchema = z
  .object({
    /** Consumer group of a stage = `<groupPrefix>-<stage>`; distinct pipelines on one cluster use distinct prefixes. Default "kpo". */
    groupPrefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'lower-case letters, digits and dashes')
      .default('kpo'),
    topics: topicsSchema.default(topicsSchema.parse({})),
    endpoints: endpointsSchema.default({}),
    /** The Kafka client library (and, later, how it authenticates). */
    kafka: kafkaConnectionSchema.default({ client: 'kafkajs', tls: false }),
    /** How kpo authenticates to Redis and whether over TLS (shared/redis/redis-connection-schema.ts). */
    redis: redisConnectionSchema.default({ tls: false }),
    /** Basic auth to the schema registry (shared/serde/registry-auth-schema.ts). Default: none. */
    schemaRegistry: registryAuthSchema.default({}),
    /**
     * Runtime knobs per stage node (concurrency, queue depth, timeouts, retries, shedding), by node name. A node
     * without an entry runs on the defaults; post and stream default to queueDepth 1024.
     */
    stages: z
      .object({
        rag: stageSchema.default(stageSchema.parse({})),
        assemble: stageSchema.default(stageSchema.parse({})),
        inference: stageSchema.default(stageSchema.parse({})),
        post: stageSchema.default(stageSchema.parse({ queueDepth: 1024 })),
        stream: stageSchema.default(stageSchema.parse({ queueDepth: 1024 })),
      })
      .catchall(stageSchema)
      .default({
        rag: stageSchema.parse({}),
        assemble: stageSchema.parse({}),
        inference: stageSchema.parse({}),
        post: stageSchema.parse({ queueDepth: 1024 }),
        stream: stageSchema.parse({ queueDepth: 1024 }),
      }),
    /**
     * The pipeline graph: which stages run, in what order, joined by which topics. Absent = today's five stages
     * (rag → assemble → inference → post → stream) over the `topics:` names. See shared/pipeline/pipeline-graph.ts.
     */
    graph: z.array(graphNodeSchema).min(1).optional(),
    /** Every key the pipeline keeps in Redis (history, progress, generation leases) starts with `<prefix>:`. Default "kpo". */
    redisKeyPrefix: z
      .string()
      .regex(/^[^{}\s]+$/, 'no braces or spaces')
      .default('kpo'),
    /** Model servers; empty = the simulated model server started by `npm start`. */
    models: z.array(modelEndpointSchema).default([]),
    /**
     * Stage-specific sections (retriever, templates, post rules, …), one per stage name (plus `routing`, the
     * inference stage's cache-aware routing); each is validated by its stage's own options schema.
     */
    workers: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A misspelt section would otherwise be ignored and its stage silently run on defaults.
    const nodes: readonly string[] = config.graph?.map((node) => node.name) ?? STAGE_NAMES;
    const known = [...nodes, 'routing'];
    for (const section of Object.keys(config.workers)) {
      if (!known.includes(section)) {
        ctx.addIssue({
          code: 'custom',
          path: ['workers', section],
          message: `no such section: one of ${known.join(', ')}`,
        });
      }
    }
    for (const name of Object.keys(config.stages)) {
      if (!(STAGE_NAMES as readonly string[]).includes(name) && !nodes.includes(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['stages', name],
          message: `no such stage: one of ${nodes.join(', ')}`,
        });
      }
    }
    const seen = new Set<string>();
    config.graph?.forEach((node, index) => {
      if (seen.has(node.name)) {
        ctx.addIssue({ code: 'custom', path: ['graph', index, 'name'], message: 'a name no other node has' });
      }
      seen.add(node.name);
    });
  });

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;
export type StageConfig = z.infer<typeof stageSchema>;
export type TopicsConfig = z.infer<typeof topicsSchema>;
export type ModelEndpointConfig = z.infer<typeof modelEndpointSchema>;
