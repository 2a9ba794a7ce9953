/** Options of PromptClient, with their defaults. */
import type { KafkaClientPort } from '../kafka/kafka-port.ts';
import type { RecordCodec } from '../serde/record-codec.ts';
import type { Cancel, ClientEvent, PromptRequest } from '../messages/types.ts';

export interface PromptClientOptions {
  readonly kafka: KafkaClientPort;
  readonly codecs: {
    readonly promptRequest: RecordCodec<PromptRequest>;
    readonly clientEvent: RecordCodec<ClientEvent>;
    readonly cancel: RecordCodec<Cancel>;
  };
  /** Where prompts go. Default "llm.prompts". */
  readonly promptsTopic?: string;
  /** Where client events come from. Default "llm.output". */
  readonly outputTopic?: string;
  /** Control topic for cancels. Default "llm.cancel". */
  readonly cancelTopic?: string;
  /** Longest a request's event stream waits for its next event before ending with a KPO_TIMEOUT error. Default 120000 ms. */
  readonly eventTimeoutMs?: number;
  /**
   * How long an output partition stays read after its last open request ended. Default 60000 ms. A partition
   * the reader already reads delivers a new request's first event as soon as it is written; one assigned anew
   * first waits out the reader's idle poll (kafkajs sleeps maxWaitTime, 100 ms, while nothing is fetched) and
   * an end-offset lookup. Chat turns of one session map to the same partition. 0 = stop reading at once.
   */
  readonly partitionLingerMs?: number;
  /**
   * How long close() waits for each Kafka client (reader, producer, admin) to disconnect. Default 10000 ms.
   * kafkajs can take seconds to leave a group, and a disconnect that races a rebalance can hang; close() ends anyway.
   */
  readonly closeTimeoutMs?: number;
}
