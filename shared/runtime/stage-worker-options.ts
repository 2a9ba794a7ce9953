/**
 * StageWorker options: what a stage passes in (documented defaults), and the
 * compiled form the worker runs on (defaults applied, validated, frozen).
 * Stage knobs reuse the pipeline file's stageSchema so defaults live in one place.
 */
import type { z } from 'zod';
import { stageSchema, type StageConfig } from '../config/pipeline-config-schema.ts';
import type { KpoError } from '../errors/kpo-error.ts';
import { compileOptions, optionsError } from '../options/compile-options.ts';
import type { KafkaClientPort } from '../kafka/kafka-port.ts';
import type { RecordCodec } from '../serde/record-codec.ts';
import type { DeadLetter } from '../messages/types.ts';
import type { RecordFailure, StageHandler } from './stage-handler.ts';
import type { WorkerInstrumentation } from './worker-instrumentation.ts';
import { defaultWorkerLogger, type WorkerLogger } from './worker-logger.ts';

export interface StageWorkerOptions<In, Out> {
  /** Stage name: consumer group "kpo-<stage>", the kpo-stage header, dead-letter headers. */
  readonly stage: string;
  readonly inputTopic: string;
  /** Default topic of emitted outputs. */
  readonly outputTopic: string;
  /** Consumer group. Default "kpo-<stage>". */
  readonly groupId?: string;
  readonly handler: StageHandler<In, Out>;
  readonly inputCodec: RecordCodec<In>;
  readonly outputCodec: RecordCodec<Out>;
  readonly deadLetterCodec: RecordCodec<DeadLetter>;
  readonly kafka: KafkaClientPort;
  /** Stage knobs (pipeline file `stages.<name>`); every default is in stageSchema. */
  readonly settings?: z.input<typeof stageSchema>;
  /** Dead-letter topic = inputTopic + this. Default ".dlq". */
  readonly deadLetterSuffix?: string;
  /** How often released offsets are committed. Default 100 ms. */
  readonly commitIntervalMs?: number;
  /** Longest a fetch waits for data; also the idle loop period while paused. Default 200 ms. */
  readonly fetchMaxWaitMs?: number;
  /** Output records per produce request. Default 500. */
  readonly maxProduceBatch?: number;
  readonly instrumentation?: WorkerInstrumentation;
  /** Called after a record was dead-lettered, shed or rejected, so the pipeline can tell the client. */
  readonly onRecordFailure?: (failure: RecordFailure) => void | Promise<void>;
  /** Requests later stages still hold, added to this stage's backlog for its admission limit (first stage). */
  readonly admissionBacklog?: () => number;
  /** Default: pino at warn level on stderr. */
  readonly logger?: WorkerLogger;
}

export interface CompiledStageWorkerOptions<In, Out> {
  readonly stage: string;
  readonly inputTopic: string;
  readonly outputTopic: string;
  readonly deadLetterTopic: string;
  readonly groupId: string;
  readonly handler: StageHandler<In, Out>;
  readonly inputCodec: RecordCodec<In>;
  readonly outputCodec: RecordCodec<Out>;
  readonly deadLetterCodec: RecordCodec<DeadLetter>;
  readonly kafka: KafkaClientPort;
  readonly settings: StageConfig;
  /** floor(lowWatermarkRatio × queueDepth). */
  readonly lowWatermark: number;
  readonly commitIntervalMs: number;
  readonly fetchMaxWaitMs: number;
  readonly maxProduceBatch: number;
  readonly instrumentation: WorkerInstrumentation;
  readonly onRecordFailure: ((failure: RecordFailure) => void | Promise<void>) | undefined;
  readonly admissionBacklog: (() => number) | undefined;
  readonly logger: WorkerLogger;
}

const PLACE = { path: '', source: 'stage worker options' } as const;

function invalid(field: string, value: unknown, expected: string): KpoError {
  return optionsError([{ path: [field], message: expected }], { [field]: value }, PLACE);
}

function positive(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) throw invalid(field, value, 'a positive integer');
  return value;
}

/** Applies defaults and refuses invalid or contradictory options with the reason. */
export function compileStageWorkerOptions<In, Out>(
  options: StageWorkerOptions<In, Out>,
): CompiledStageWorkerOptions<In, Out> {
  if (!/^[a-z][a-z0-9-]*$/.test(options.stage)) {
    throw invalid('stage', options.stage, 'lower-case letters, digits and dashes');
  }
  if (options.inputTopic.length === 0) throw invalid('inputTopic', '', 'a topic name');
  if (options.outputTopic.length === 0) throw invalid('outputTopic', '', 'a topic name');
  const settings = compileOptions(stageSchema, options.settings, { ...PLACE, path: 'settings' });
  const suffix = options.deadLetterSuffix ?? '.dlq';
  if (suffix.length === 0) throw invalid('deadLetterSuffix', '', 'a non-empty suffix');
  const deadLetterTopic = `${options.inputTopic}${suffix}`;
  if (options.outputTopic === options.inputTopic) {
    throw invalid(
      'outputTopic',
      options.outputTopic,
      'a topic other than inputTopic: the stage would read its own output',
    );
  }
  if (options.outputTopic === deadLetterTopic) {
    throw invalid(
      'outputTopic',
      options.outputTopic,
      `a topic other than the dead-letter topic (${deadLetterTopic})`,
    );
  }
  const commitIntervalMs = positive('commitIntervalMs', options.commitIntervalMs ?? 100);
  const fetchMaxWaitMs = positive('fetchMaxWaitMs', options.fetchMaxWaitMs ?? 200);
  if (fetchMaxWaitMs >= settings.sessionTimeoutMs) {
    throw invalid(
      'fetchMaxWaitMs',
      fetchMaxWaitMs,
      `below settings.sessionTimeoutMs (${settings.sessionTimeoutMs}): heartbeats run between fetches`,
    );
  }
  return Object.freeze({
    stage: options.stage,
    inputTopic: options.inputTopic,
    outputTopic: options.outputTopic,
    deadLetterTopic,
    groupId: options.groupId ?? `kpo-${options.stage}`,
    handler: options.handler,
    inputCodec: options.inputCodec,
    outputCodec: options.outputCodec,
    deadLetterCodec: options.deadLetterCodec,
    kafka: options.kafka,
    settings,
    lowWatermark: Math.floor(settings.lowWatermarkRatio * settings.queueDepth),
    commitIntervalMs,
    fetchMaxWaitMs,
    maxProduceBatch: positive('maxProduceBatch', options.maxProduceBatch ?? 500),
    instrumentation: options.instrumentation ?? {},
    onRecordFailure: options.onRecordFailure,
    admissionBacklog: options.admissionBacklog,
    logger: options.logger ?? defaultWorkerLogger(options.stage),
  });
}
