/**
 * A stage is a plugin: one definition (workers/<stage>/stage.ts, or a user's
 * module named in the pipeline file) that the one host (stage-host.ts) runs.
 * The definition says what it reads and writes (message kinds, so the host
 * picks the codecs and the pipeline graph can check every edge), how its
 * options look (a zod schema with the default next to each field; the host
 * validates the stage's `workers.<name>` section with it at start), and how to
 * build its handler from what the host owns.
 *
 *   export default defineStage({
 *     name: 'moderation',
 *     input: 'assembledPrompt',
 *     output: 'assembledPrompt',
 *     options: z.object({ blocked: z.array(z.string()).default([]) }).strict(),
 *     build: async ({ options }) => ({ handler: new ModerationHandler(options), close: async () => {} }),
 *   });
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { PipelineConfig } from '../config/pipeline-config-schema.ts';
import type { KafkaClientPort } from '../kafka/kafka-port.ts';
import type { MessageByKind } from '../messages/message-rules.ts';
import type { StageFigures } from '../metrics/stage-figures.ts';
import type { RedisKeyNamespace } from '../redis/redis-key-namespace.ts';
import type { MessageCodecs } from '../serde/create-message-codecs.ts';
import type { StageHandler } from './stage-handler.ts';

/** Message kinds a stage may read or write (the pipeline's Avro records). */
export type StageMessageKind =
  'promptRequest' | 'retrievalResult' | 'assembledPrompt' | 'tokenChunk' | 'clientEvent';

/** What the host owns and lends a stage while it builds. */
export interface StageBuildDeps<Options> {
  /** The stage's `workers.<name>` section, validated by its schema, defaults applied, frozen. */
  readonly options: Options;
  /** The whole pipeline file (topics, models, endpoints), frozen. */
  readonly config: PipelineConfig;
  /**
   * The stage's place in the graph: the topic it reads, its (default) output topic, and the input of the stage
   * that writes client events, where out-of-band terminal chunks go (shared/messages/failure-protocol.ts).
   */
  readonly topics: { readonly input: string; readonly output: string; readonly terminal: string };
  readonly kafka: KafkaClientPort;
  readonly codecs: MessageCodecs;
  /** The worker's one Redis connection, created on first use (fails clearly when no Redis is configured). */
  readonly redis: () => Redis;
  /** The one key namespace of everything the pipeline keeps in Redis. */
  readonly keys: RedisKeyNamespace;
  /** Unique per process, across hosts and containers (not the pid). */
  readonly workerId: string;
  readonly figures: StageFigures;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
}

/** A built stage: its handler, optional side work (e.g. a cancel listener), and what to close at shutdown. */
export interface BuiltStage<In, Out> {
  readonly handler: StageHandler<In, Out>;
  start?(): Promise<void>;
  close(): Promise<void>;
}

export interface StageDefinition<
  I extends StageMessageKind = StageMessageKind,
  O extends StageMessageKind = StageMessageKind,
  S extends z.ZodType = z.ZodType,
> {
  /** Default stage name in the graph: consumer group `<groupPrefix>-<name>`, options section `workers.<name>`. */
  readonly name: string;
  readonly input: I;
  readonly output: O;
  /** Options schema; defaults written next to each field. */
  readonly options: S;
  build(deps: StageBuildDeps<Readonly<z.output<S>>>): Promise<BuiltStage<MessageByKind[I], MessageByKind[O]>>;
}

/** Types a definition (checks the handler's message types against the declared kinds); returns it unchanged. */
export function defineStage<I extends StageMessageKind, O extends StageMessageKind, S extends z.ZodType>(
  definition: StageDefinition<I, O, S>,
): StageDefinition<I, O, S> {
  return definition;
}
