/**
 * Tells a request's client when a stage gave up on it (dead-lettered, shed or
 * rejected). Every stage but the last sends an out-of-band terminal chunk to
 * the stream stage's input, so the terminal event comes after any tokens
 * already sent, with the next contiguous seq, and only once (see
 * workers/stream/failure-events.ts). The stream stage itself writes the
 * terminal client event straight to the output topic. Failures whose request
 * could not be identified (undecodable bytes) reach only the dead-letter topic.
 */
import type { StageName } from '../../shared/config/pipeline-config-schema.ts';
import type { KafkaClientPort, OutgoingRecord, ProducerPort } from '../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import type { ClientEvent, TokenChunk } from '../../shared/messages/types.ts';
import type { RecordFailure } from '../../shared/runtime/stage-handler.ts';
import type { RecordCodec } from '../../shared/serde/record-codec.ts';
import { clientEventForFailure, terminalChunkForFailure } from '../../workers/stream/failure-events.ts';

export interface FailureNotifierOptions {
  readonly stage: StageName;
  readonly kafka: KafkaClientPort;
  readonly codecs: {
    readonly clientEvent: RecordCodec<ClientEvent>;
    readonly tokenChunk: RecordCodec<TokenChunk>;
  };
  /** The stream stage's input (llm.tokens.post). */
  readonly streamInputTopic: string;
  /** The client-facing output (llm.output). */
  readonly outputTopic: string;
}

export interface FailureNotifier {
  start(): Promise<void>;
  notify(failure: RecordFailure): Promise<void>;
  close(): Promise<void>;
}

export function createFailureNotifier(options: FailureNotifierOptions): FailureNotifier {
  const producer: ProducerPort = options.kafka.createProducer();
  const headersOf = (requestId: string, seq: number): Record<string, string> => ({
    [HEADER.requestId]: requestId,
    [HEADER.seq]: String(seq),
    [HEADER.producedBy]: options.stage,
  });

  async function recordFor(failure: RecordFailure): Promise<OutgoingRecord | undefined> {
    if (options.stage === 'stream') {
      const event = clientEventForFailure(failure);
      if (!event) return undefined;
      const value = await options.codecs.clientEvent.encode(event);
      return {
        topic: options.outputTopic,
        key: event.sessionId,
        value,
        headers: headersOf(event.requestId, event.seq),
      };
    }
    const chunk = terminalChunkForFailure(failure);
    if (!chunk) return undefined;
    const value = await options.codecs.tokenChunk.encode(chunk);
    return {
      topic: options.streamInputTopic,
      key: chunk.sessionId,
      value,
      headers: headersOf(chunk.requestId, chunk.seq),
    };
  }

  return {
    start: () => producer.connect(),
    async notify(failure) {
      const record = await recordFor(failure);
      if (record) await producer.send([record]);
    },
    close: () => producer.close(),
  };
}
