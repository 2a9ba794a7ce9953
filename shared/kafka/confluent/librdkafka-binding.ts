/**
 * The part of @confluentinc/kafka-javascript (librdkafka) the confluent
 * adapter uses, typed here and loaded at run time: the package is an optional,
 * natively built dependency (see README "Kafka clients"), so type checking and
 * every kafkajs path must work on a machine where it is not installed. Asking
 * for it where it is missing fails with one line saying how to install it.
 */
import { createRequire } from 'node:module';
import { KpoError } from '../../errors/kpo-error.ts';
import type { KafkajsStyleTopic } from '../kafkajs-style-topics.ts';

/** librdkafka configuration properties (CONFIGURATION.md names), plus node binding callbacks. */
export type LibrdkafkaConfig = Record<string, string | number | boolean | ((...args: never[]) => void)>;

export interface LibrdkafkaError extends Error {
  readonly code: number;
  readonly isRetriable?: boolean;
}

export interface RdTopicPartition {
  readonly topic: string;
  readonly partition: number;
  readonly offset?: number;
  readonly error?: LibrdkafkaError;
}

export interface RdMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp?: number;
  readonly key?: Buffer | string | null;
  readonly value: Buffer | null;
  readonly headers?: readonly Readonly<Record<string, Buffer | string>>[];
}

interface RdClient {
  connect(options: { timeout?: number }, cb: (error: LibrdkafkaError | null) => void): unknown;
  disconnect(cb: (error: LibrdkafkaError | null) => void): unknown;
  isConnected(): boolean;
  on(event: 'event.error', listener: (error: LibrdkafkaError) => void): unknown;
}

export interface RdKafkaConsumer extends RdClient {
  subscribe(topics: readonly string[]): unknown;
  unsubscribe(): unknown;
  consume(count: number, cb: (error: LibrdkafkaError | null, messages: RdMessage[]) => void): void;
  setDefaultConsumeTimeout(timeoutMs: number): void;
  setDefaultIsTimeoutOnlyForFirstMessage(onlyFirst: boolean): void;
  incrementalAssign(partitions: readonly RdTopicPartition[]): unknown;
  incrementalUnassign(partitions: readonly RdTopicPartition[]): unknown;
  assign(partitions: readonly RdTopicPartition[]): unknown;
  unassign(): unknown;
  assignments(): RdTopicPartition[];
  rebalanceProtocol(): string;
  pause(partitions: readonly RdTopicPartition[]): unknown;
  resume(partitions: readonly RdTopicPartition[]): unknown;
  commitCb(offsets: readonly RdTopicPartition[], cb: (error: LibrdkafkaError | null) => void): unknown;
  getWatermarkOffsets(topic: string, partition: number): { lowOffset: number; highOffset: number };
}

export interface RdDeliveryReport {
  readonly opaque: unknown;
}

export interface RdProducer extends RdClient {
  produce(
    topic: string,
    partition: number,
    value: Buffer | null,
    key: Buffer | string | null,
    timestamp: number,
    opaque: unknown,
    headers: readonly Record<string, Buffer | string>[] | null,
  ): unknown;
  setPollInBackground(on: boolean): void;
  flush(timeoutMs: number, cb: (error: LibrdkafkaError | null) => void): unknown;
  on(
    event: 'delivery-report',
    listener: (error: LibrdkafkaError | null, report: RdDeliveryReport) => void,
  ): unknown;
  on(event: 'event.error', listener: (error: LibrdkafkaError) => void): unknown;
}

/** The promise-based admin of the package's KafkaJS-compatible layer (same shapes as kafkajs' admin). */
export interface CompatAdmin {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  createTopics(options: { topics: KafkajsStyleTopic[]; timeout?: number }): Promise<boolean>;
  deleteTopics(options: { topics: string[]; timeout?: number }): Promise<void>;
  listTopics(): Promise<string[]>;
  fetchTopicMetadata(options: {
    topics: string[];
  }): Promise<{ name: string; partitions: { partitionId: number; leader: number }[] }[]>;
  fetchTopicOffsets(topic: string): Promise<{ partition: number; low: string; high: string }[]>;
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
  deleteGroups(groupIds: string[]): Promise<unknown>;
}

export interface LibrdkafkaBinding {
  readonly KafkaConsumer: new (config: LibrdkafkaConfig, topicConfig: LibrdkafkaConfig) => RdKafkaConsumer;
  readonly Producer: new (config: LibrdkafkaConfig) => RdProducer;
  readonly KafkaJS: {
    readonly Kafka: new (config: LibrdkafkaConfig) => {
      admin(config?: { kafkaJS: { logLevel: number } }): CompatAdmin;
    };
    readonly logLevel: { readonly NOTHING: number };
  };
  /** librdkafka version, e.g. "2.12.0". */
  readonly librdkafkaVersion: string;
}

/** Built and installed by scripts/install-confluent-client.sh (which pins the version; .ci/run runs it). */
const CONFLUENT_PACKAGE = '@confluentinc/kafka-javascript';

let binding: LibrdkafkaBinding | undefined;

/** The native module; throws KPO_CONFIG_INVALID with the install command when it is not installed. */
export function loadLibrdkafka(): LibrdkafkaBinding {
  if (binding) return binding;
  try {
    binding = createRequire(import.meta.url)(CONFLUENT_PACKAGE) as LibrdkafkaBinding;
    return binding;
  } catch (cause) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `Kafka client "confluent" needs ${CONFLUENT_PACKAGE}, which is not installed (or its native build failed). Fix: run scripts/install-confluent-client.sh, or use KPO_KAFKA_CLIENT=kafkajs`,
      { cause, context: { field: 'kafka.client' } },
    );
  }
}

/** True when the native client can be loaded here (for tools that pick both clients when they can). */
export function librdkafkaInstalled(): boolean {
  try {
    loadLibrdkafka();
    return true;
  } catch {
    return false;
  }
}
