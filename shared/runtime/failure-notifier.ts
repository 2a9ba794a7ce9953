/**
 * Tells a request's client when a stage gave up on it (dead-lettered, shed or
 * rejected), following the failure protocol (shared/messages/failure-protocol.ts):
 * a stage that writes client events itself (the last one) writes the terminal
 * event straight to its output topic; every other stage sends an out-of-band
 * terminal chunk to the client-event stage's input, so the terminal comes after
 * any tokens already sent, with the next contiguous seq, and only once.
 * The terminal carries the request's reply-to topic, so a client reading its
 * own topic gets it there. Failures whose request could not be identified
 * (undecodable bytes) reach only the dead-letter topic.
 */
import type { KafkaClientPort, OutgoingRecord, ProducerPort } from '../kafka/kafka-port.ts';
import { HEADER } from '../messages/header-names.ts';
import { clientEventForFailure, terminalChunkForFailure } from '../messages/failure-protocol.ts';
import type { ClientEvent, TokenChunk } from '../messages/types.ts';
import type { RecordCodec } from '../serde/record-codec.ts';
import type { RecordFailure } from './stage-handler.ts';

export interface FailureNotifierOptions {
  readonly stage: string;
  readonly kafka: KafkaClientPort;
  readonly codecs: {
    readonly clientEvent: RecordCodec<ClientEvent>;
    readonly tokenChunk: RecordCodec<TokenChunk>;
  };
  /** Where this stage's terminal goes: its own output (it writes client events) or the last stage's input. */
  readonly terminal: { readonly kind: 'clientEvent' | 'tokenChunk'; readonly topic: string };
}

export interface FailureNotifier {
  start(): Promise<void>;
  notify(failure: RecordFailure): Promise<void>;
  close(): Promise<void>;
}

export function createFailureNotifier(options: FailureNotifierOptions): FailureNotifier {
  const producer: ProducerPort = options.kafka.createProducer();
  const { topic, kind } = options.terminal;
  const headersOf = (requestId: string, seq: number): Record<string, string> => ({
    [HEADER.requestId]: requestId,
    [HEADER.seq]: String(seq),
    [HEADER.producedBy]: options.stage,
  });

  async function recordFor(failure: RecordFailure): Promise<OutgoingRecord | undefined> {
    const created =
      failure.requestCreatedAtMs === undefined ? {} : { requestCreatedAtMs: failure.requestCreatedAtMs };
    if (kind === 'clientEvent') {
      const event = clientEventForFailure(failure, created);
      if (!event) return undefined;
      const value = await options.codecs.clientEvent.encode(event);
      // A request with a reply-to topic is read there, not on the output topic.
      const eventTopic = failure.replyTo ?? topic;
      return {
        topic: eventTopic,
        key: event.sessionId,
        value,
        headers: headersOf(event.requestId, event.seq),
      };
    }
    const chunk = terminalChunkForFailure(failure, { ...created, replyTo: failure.replyTo ?? null });
    if (!chunk) return undefined;
    const value = await options.codecs.tokenChunk.encode(chunk);
    return { topic, key: chunk.sessionId, value, headers: headersOf(chunk.requestId, chunk.seq) };
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
