/**
 * How the CLI builds one stage for a worker process: the stage's handler with
 * its collaborators (retriever, Redis stores, model endpoints …), the codecs
 * of its input and output, and what to close at shutdown.
 */
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import type { Redis } from 'ioredis';
import type { MessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import type { RecordCodec } from '../../shared/serde/record-codec.ts';
import type { StageHandler } from '../../shared/runtime/stage-handler.ts';
import type { StageFigures } from '../../shared/metrics/stage-figures.ts';
import type { KafkaClientPort } from '../../shared/kafka/kafka-port.ts';

export interface StageDeps {
  readonly config: PipelineConfig;
  readonly codecs: MessageCodecs;
  readonly kafka: KafkaClientPort;
  /** The worker's one Redis connection, created on first use. */
  redis(): Redis;
  readonly figures: StageFigures;
  readonly env: NodeJS.ProcessEnv;
}

export interface StageAssembly<In, Out> {
  readonly handler: StageHandler<In, Out>;
  readonly inputCodec: RecordCodec<In>;
  readonly outputCodec: RecordCodec<Out>;
  /** Extra work to run beside the worker (e.g. the inference stage's cancel listener). */
  start?(): Promise<void>;
  close(): Promise<void>;
}

/** Stage sections of the pipeline file (`workers.<stage>`), unvalidated until the stage parses them. */
export function stageSection(config: PipelineConfig, stage: string): unknown {
  return config.workers[stage] ?? {};
}
