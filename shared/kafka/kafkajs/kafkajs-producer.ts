/**
 * ProducerPort over a kafkajs idempotent producer (acks=all, one request in
 * flight, Java-compatible murmur2).
 *
 * A send gives up after a bounded number of retries (~25 s of backoff by
 * default), so a topic that cannot be written fails its records with a clear
 * retryable KPO_KAFKA error instead of waiting forever; the runtime's retry
 * policy and dead-letter path decide what happens next. Giving up would break
 * the idempotent producer: kafkajs rewinds a failed batch's sequence numbers,
 * and if the broker did write that batch (a lost response), the next batch with
 * the same numbers would be taken for a repeat and silently dropped. So the
 * producer that gave up is replaced by a fresh one (a new producer ID and
 * sequences); the old one is disconnected once its other sends settled.
 *
 * Why a send checks which partitions were acknowledged: kafkajs 2.2.4 retries a
 * send per broker and skips every broker that already answered it. When the
 * leader of a partition whose write failed (its broker died) moves to a broker
 * that already answered for other partitions, those records are never sent,
 * and the send still succeeds: records silently lost (seen as one missing seq
 * on the output topic during a broker kill). So the partition kafkajs chose for
 * each record is noted (a partitioner wrapper) and records of partitions the
 * send's answers do not name are sent again.
 */
import kafkajs from 'kafkajs';
import type { Message, PartitionerArgs, Producer, RecordMetadata, TopicMessages } from 'kafkajs';
import type { OutgoingRecord, ProducerPort } from '../kafka-port.ts';
import { KpoError } from '../../errors/kpo-error.ts';
import { kafkaError } from './kafkajs-errors.ts';

/**
 * Retries of one send: backoff 100 ms doubling to at most 1 s → about 25 s before its records fail. The short cap
 * matters when a broker dies: its partitions' leaders move after the controller fenced it (~9 s), and a send
 * must not then sleep up to 5 s more before it tries the new leader (each retry refreshes the metadata).
 */
export const DEFAULT_SEND_RETRIES = 27;
/** The longest pause between two retries of a send. */
const MAX_RETRY_TIME_MS = 1_000;

/**
 * The record itself is the kafkajs message (kafkajs reads key, value, headers,
 * partition and ignores the rest): no copy per record.
 */
const toMessage = (record: OutgoingRecord): Message => record;

/** Sends again of records kafkajs skipped (above) before the send fails. */
const MAX_SKIPPED_RESENDS = 3;

/** A kafkajs producer and the sends running on it. */
interface ProducerSlot {
  readonly producer: Producer;
  connected: Promise<void> | undefined;
  inFlight: number;
  retired: boolean;
}

export class KafkajsProducer implements ProducerPort {
  private slot: ProducerSlot;
  private closed = true;
  /** The partition kafkajs' partitioner chose for a record (asked again on each of its tries). */
  private readonly chosenPartition = new WeakMap<Message, number>();

  constructor(
    private readonly kafka: kafkajs.Kafka,
    private readonly sendRetries = DEFAULT_SEND_RETRIES,
  ) {
    this.slot = this.newSlot();
  }

  async connect(): Promise<void> {
    this.closed = false;
    await this.connected(this.slot);
  }

  async send(records: readonly OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Usually one topic: group without a Map in that case. kafkajs only reads the messages.
    const topicMessages: TopicMessages[] = [];
    let last: TopicMessages | undefined;
    for (const record of records) {
      if (last?.topic !== record.topic) {
        last = topicMessages.find((t) => t.topic === record.topic);
        if (!last) topicMessages.push((last = { topic: record.topic, messages: [] }));
      }
      last.messages.push(toMessage(record));
    }
    const slot = this.slot;
    slot.inFlight += 1;
    try {
      await this.connected(slot);
      await this.sendUntilAcknowledged(slot.producer, topicMessages);
    } catch (error) {
      this.retire(slot);
      throw sendFailure(error, topicMessages, this.sendRetries);
    } finally {
      slot.inFlight -= 1;
      if (slot.retired && slot.inFlight === 0) void this.disconnect(slot);
    }
  }

  /** Sends, then sends again the records of partitions no answer named (kafkajs skipped them). */
  private async sendUntilAcknowledged(producer: Producer, topicMessages: TopicMessages[]): Promise<void> {
    let pending = topicMessages;
    for (let resends = 0; ; resends++) {
      const answers = await producer.sendBatch({ acks: -1, topicMessages: pending });
      pending = this.unacknowledged(pending, answers);
      if (pending.length === 0) return;
      if (resends >= MAX_SKIPPED_RESENDS) {
        throw new KpoError(
          'KPO_KAFKA',
          `records to ${pending.map((t) => t.topic).join(', ')} were not acknowledged after ${resends} sends again`,
          { retryable: true, context: { topic: pending[0]?.topic } },
        );
      }
    }
  }

  /** The records whose partition no answer names (records of an unknown partition count as acknowledged). */
  private unacknowledged(sent: TopicMessages[], answers: readonly RecordMetadata[]): TopicMessages[] {
    const acknowledged = new Set(answers.map((a) => `${a.topicName}\u0000${a.partition}`));
    return sent
      .map(({ topic, messages }) => ({
        topic,
        messages: messages.filter((message) => {
          const partition = this.chosenPartition.get(message);
          return partition !== undefined && !acknowledged.has(`${topic}\u0000${partition}`);
        }),
      }))
      .filter((t) => t.messages.length > 0);
  }

  /** kafkajs' default (Java-compatible murmur2) partitioner, noting its choice per record. */
  private notingPartitioner = (): ((args: PartitionerArgs) => number) => {
    const partitioner = kafkajs.Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = partitioner(args);
      this.chosenPartition.set(args.message, partition);
      return partition;
    };
  };

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.disconnect(this.slot);
  }

  private newSlot(): ProducerSlot {
    return {
      producer: this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: this.notingPartitioner,
        retry: { retries: this.sendRetries, initialRetryTime: 100, maxRetryTime: MAX_RETRY_TIME_MS },
      }),
      connected: undefined,
      inFlight: 0,
      retired: false,
    };
  }

  private async connected(slot: ProducerSlot): Promise<void> {
    slot.connected ??= slot.producer.connect();
    try {
      await slot.connected;
    } catch (error) {
      slot.connected = undefined;
      throw kafkaError(error, 'producer connect failed');
    }
  }

  /** Later sends go to a fresh producer; this one is disconnected when its last send settled. */
  private retire(slot: ProducerSlot): void {
    if (slot.retired) return;
    slot.retired = true;
    if (this.slot === slot) this.slot = this.newSlot();
  }

  private async disconnect(slot: ProducerSlot): Promise<void> {
    if (slot.connected === undefined) return;
    slot.connected = undefined;
    await slot.producer.disconnect().catch(() => undefined);
  }
}

/**
 * The records may or may not be on their topic; sending them again is the caller's (at-least-once) call.
 * When kafkajs gave up retrying a retriable cause, a later try may work: retryable.
 */
function sendFailure(error: unknown, topicMessages: readonly TopicMessages[], retries: number): KpoError {
  const topics = topicMessages.map((t) => t.topic).join(', ');
  if (error instanceof Error && error.name === 'KafkaJSNumberOfRetriesExceeded') {
    return new KpoError(
      'KPO_KAFKA',
      `could not write to ${topics} (gave up after ${retries} retries): ${error.message}`,
      {
        retryable: true,
        cause: error,
        context: { topic: topicMessages[0]?.topic },
      },
    );
  }
  return kafkaError(error, `produce to ${topics} failed`, { topic: topicMessages[0]?.topic });
}
