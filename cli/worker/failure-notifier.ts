/**
 * Tells a request's client when a stage gave up on it (dead-lettered, shed
 * or rejected): one terminal client event straight to the output topic (or
 * the request's reply-to), keyed by session ID. Failures whose request could
 * not be identified (undecodable bytes) only reach the dead-letter topic.
 */
import type { KafkaClientPort, ProducerPort } from '../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import type { ClientEvent } from '../../shared/messages/types.ts';
import type { RecordFailure } from '../../shared/runtime/stage-handler.ts';
import type { RecordCodec } from '../../shared/serde/record-codec.ts';

export interface FailureNotifierOptions {
  readonly kafka: KafkaClientPort;
  readonly codecs: { readonly clientEvent: RecordCodec<ClientEvent> };
  readonly outputTopic: string;
  /** Builds the client event of a failure; undefined = nobody to tell. */
  readonly toClientEvent: (
    failure: RecordFailure,
  ) => { event: ClientEvent; topic?: string | null } | undefined;
}

export interface FailureNotifier {
  start(): Promise<void>;
  notify(failure: RecordFailure): Promise<void>;
  close(): Promise<void>;
}

export function createFailureNotifier(options: FailureNotifierOptions): FailureNotifier {
  const producer: ProducerPort = options.kafka.createProducer();
  return {
    start: () => producer.connect(),
    async notify(failure) {
      const built = options.toClientEvent(failure);
      if (!built) return;
      const { event, topic } = built;
      await producer.send([
        {
          topic: topic ?? options.outputTopic,
          key: event.sessionId,
          value: await options.codecs.clientEvent.encode(event),
          headers: {
            [HEADER.requestId]: event.requestId,
            [HEADER.seq]: String(event.seq),
            [HEADER.producedBy]: failure.stage,
          },
        },
      ]);
    },
    close: () => producer.close(),
  };
}
