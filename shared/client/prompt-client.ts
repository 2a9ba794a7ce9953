/**
 * The client library: submit a prompt to the input topic and stream its
 * events from the output topic.
 *
 * No consumer group decides what the client reads: it assigns itself the
 * output partitions its followed sessions map to (a PartitionReader) and keeps
 * its own position in each. Before a prompt is produced, the client reads the
 * end offset of the session's output partition (unless it already reads that
 * partition), so every event of the request lies at or after its position —
 * nothing is missed, however late the reader fetches, and no rejoin or
 * reconnect can move it to "latest". A partition stays read for
 * partitionLingerMs after its last request ended (the next turn of a chat is
 * on it, and a partition being read delivers at once); after that, partitions
 * no followed request maps to are not fetched. Records of other sessions on a
 * read partition are skipped without decoding.
 */
import { randomUUID } from 'node:crypto';
import { clearTimeout, setTimeout } from 'node:timers';
import type { AdminPort, ConsumedBatch, PartitionReaderPort, ProducerPort } from '../kafka/kafka-port.ts';
import type { ClientEvent, PromptRequest } from '../messages/types.ts';
import { HEADER } from '../messages/header-names.ts';
import type { PromptClientOptions } from './prompt-client-options.ts';
import { RequestEventQueue } from './request-event-queue.ts';
import { partitionForKey } from './session-partition.ts';
import { settlesWithin } from '../timers/settles-within.ts';

/** What a caller provides; everything else has a default. */
export type PromptInput = Pick<PromptRequest, 'sessionId' | 'messages'> & Partial<PromptRequest>;

export interface SubmittedRequest {
  readonly requestId: string;
  readonly sessionId: string;
  readonly events: AsyncIterable<ClientEvent>;
}

/** The client's Kafka clients, made by one successful start(). */
interface Connection {
  readonly producer: ProducerPort;
  readonly reader: PartitionReaderPort;
  readonly admin: AdminPort;
  readonly partitionCount: number;
}

export class PromptClient {
  private readonly queues = new Map<string, RequestEventQueue>();
  private readonly topics: { prompts: string; output: string; cancel: string };
  private readonly eventTimeoutMs: number;
  /** Output partition → how many open requests follow it. */
  private readonly followers = new Map<number, number>();
  /** Output partitions the reader was told to read (from the end offset read before a produce). */
  private readonly reading = new Set<number>();
  /** Output partitions whose end offset is being read. */
  private readonly opening = new Map<number, Promise<void>>();
  /** Read partitions no open request maps to, each with the timer that stops reading it. */
  private readonly lingering = new Map<number, NodeJS.Timeout>();
  private readonly partitionLingerMs: number;
  private readonly closeTimeoutMs: number;
  private connection: Promise<Connection> | undefined;

  constructor(private readonly options: PromptClientOptions) {
    this.topics = {
      prompts: options.promptsTopic ?? 'llm.prompts',
      output: options.outputTopic ?? 'llm.output',
      cancel: options.cancelTopic ?? 'llm.cancel',
    };
    this.eventTimeoutMs = options.eventTimeoutMs ?? 120_000;
    this.partitionLingerMs = options.partitionLingerMs ?? 60_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  }

  /** Connects the producer and the output reader. Called by submit() when needed; a failed start is retried by the next call. */
  async start(): Promise<void> {
    await this.connected();
  }

  /** Produces the prompt; its events are followed from before it is sent, so none is missed. */
  async submit(input: PromptInput): Promise<SubmittedRequest> {
    const connection = await this.connected();
    const request = withDefaults(input);
    const partition = partitionForKey(request.sessionId, connection.partitionCount);
    const queue = this.follow(request.requestId, request.sessionId, partition);
    try {
      await this.readFromEnd(connection, partition);
      const value = await this.options.codecs.promptRequest.encode(request);
      await connection.producer.send([
        {
          topic: this.topics.prompts,
          key: request.sessionId,
          value,
          headers: { [HEADER.requestId]: request.requestId },
        },
      ]);
    } catch (error) {
      queue.release(); // never sent: stop following it
      throw error;
    }
    return { requestId: request.requestId, sessionId: request.sessionId, events: queue };
  }

  /** What the client follows now: open requests, the output partitions they map to, and all it reads. */
  following(): { readonly requests: number; readonly partitions: number; readonly reading: number } {
    return { requests: this.queues.size, partitions: this.followers.size, reading: this.reading.size };
  }

  /** Asks the pipeline to stop a request; its stream ends with a cancelled event. */
  async cancel(requestId: string, sessionId: string, reason = 'cancelled by client'): Promise<void> {
    const { producer } = await this.connected();
    const value = await this.options.codecs.cancel.encode({
      requestId,
      sessionId,
      reason,
      requestedAtMs: Date.now(),
    });
    await producer.send([{ topic: this.topics.cancel, key: sessionId, value }]);
  }

  async close(): Promise<void> {
    for (const timer of this.lingering.values()) clearTimeout(timer);
    this.lingering.clear();
    const connection = await this.connection?.catch(() => undefined);
    this.connection = undefined;
    if (connection) await closeAll(connection, this.closeTimeoutMs);
  }

  private connected(): Promise<Connection> {
    this.connection ??= this.connect().catch((error: unknown) => {
      this.connection = undefined;
      throw error;
    });
    return this.connection;
  }

  private async connect(): Promise<Connection> {
    const { kafka } = this.options;
    const connection: Connection = {
      producer: kafka.createProducer(),
      reader: kafka.createPartitionReader({ topic: this.topics.output }),
      admin: kafka.createAdmin(),
      partitionCount: 0,
    };
    try {
      await connection.admin.connect();
      const { partitions } = await connection.admin.describeTopic(this.topics.output);
      if (partitions.length === 0) throw new Error(`output topic ${this.topics.output} does not exist`);
      await connection.producer.connect();
      await connection.reader.run((batch) => this.onBatch(batch));
      this.reading.clear();
      return { ...connection, partitionCount: partitions.length };
    } catch (error) {
      await closeAll(connection, this.closeTimeoutMs);
      throw error;
    }
  }

  private follow(requestId: string, sessionId: string, partition: number): RequestEventQueue {
    clearTimeout(this.lingering.get(partition));
    this.lingering.delete(partition);
    this.followers.set(partition, (this.followers.get(partition) ?? 0) + 1);
    const queue = new RequestEventQueue(requestId, sessionId, this.eventTimeoutMs, () => {
      this.queues.delete(requestId);
      this.unfollow(partition);
    });
    this.queues.set(requestId, queue);
    return queue;
  }

  private unfollow(partition: number): void {
    const left = (this.followers.get(partition) ?? 1) - 1;
    if (left > 0) {
      this.followers.set(partition, left);
      return;
    }
    this.followers.delete(partition);
    if (!this.reading.has(partition)) return;
    if (this.partitionLingerMs === 0) {
      this.stopReading(partition);
      return;
    }
    // unref: a lingering partition never keeps the process alive.
    const timer = setTimeout(() => this.stopReading(partition), this.partitionLingerMs).unref();
    this.lingering.set(partition, timer);
  }

  private stopReading(partition: number): void {
    this.lingering.delete(partition);
    if (this.followers.has(partition) || !this.reading.delete(partition)) return;
    void this.connection?.then(({ reader }) => reader.unassign([partition])).catch(() => undefined);
  }

  /**
   * Makes sure the reader reads the partition, from no later than its current
   * end: a partition already read is at or before it; otherwise the end offset
   * is read now, before the caller produces.
   */
  private readFromEnd(connection: Connection, partition: number): Promise<void> {
    if (this.reading.has(partition)) return Promise.resolve();
    let opening = this.opening.get(partition);
    if (!opening) {
      opening = (async () => {
        const watermarks = await connection.admin.topicOffsets(this.topics.output);
        const end = watermarks.find((w) => w.partition === partition)?.high;
        if (end === undefined) throw new Error(`output partition ${partition} has no end offset`);
        if (!this.followers.has(partition) || this.reading.has(partition)) return;
        connection.reader.assign([{ topic: this.topics.output, partition, offset: end }]);
        this.reading.add(partition);
      })().finally(() => this.opening.delete(partition));
      this.opening.set(partition, opening);
    }
    return opening;
  }

  private async onBatch(batch: ConsumedBatch): Promise<void> {
    for (const record of batch.records) {
      const requestId = record.headers[HEADER.requestId]?.toString();
      if (!record.value || (requestId !== undefined && !this.queues.has(requestId))) continue;
      try {
        const event = await this.options.codecs.clientEvent.decode(record.value);
        this.queues.get(event.requestId)?.push(event);
      } catch {
        // Not a client event we can read; other clients' problem, never ours to crash on.
      }
    }
  }
}

/** Closes the connection's clients, each waited for at most timeoutMs (ref: false: the wait keeps no process alive). */
async function closeAll(connection: Connection, timeoutMs: number): Promise<void> {
  const { reader, producer, admin } = connection;
  await Promise.all(
    [reader.close(), producer.close(), admin.close()].map((closing) =>
      settlesWithin(closing, timeoutMs, { ref: false }),
    ),
  );
}

function withDefaults(input: PromptInput): PromptRequest {
  return {
    requestId: input.requestId ?? randomUUID(),
    sessionId: input.sessionId,
    tenant: input.tenant ?? '',
    messages: input.messages,
    model: input.model ?? 'default',
    params: input.params ?? { temperature: 1, topP: 1, seed: null },
    stop: input.stop ?? [],
    maxTokens: input.maxTokens ?? 128,
    deadlineMs: input.deadlineMs ?? null,
    priority: input.priority ?? 0,
    replyTo: input.replyTo ?? null,
    metadata: input.metadata ?? {},
    createdAtMs: input.createdAtMs ?? Date.now(),
  };
}
