/**
 * The client library: submit a prompt to the input topic and stream its
 * events from the output topic. One output consumer per client (its own
 * consumer group, nothing committed) fetches only the partitions its
 * sessions map to; other partitions stay paused.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumedBatch, ConsumerPort, ProducerPort } from '../kafka/kafka-port.ts';
import type { ClientEvent, PromptRequest } from '../messages/types.ts';
import { HEADER } from '../messages/header-names.ts';
import type { PromptClientOptions } from './prompt-client-options.ts';
import { RequestEventQueue } from './request-event-queue.ts';
import { partitionForKey } from './session-partition.ts';

/** What a caller provides; everything else has a default. */
export type PromptInput = Pick<PromptRequest, 'sessionId' | 'messages'> & Partial<PromptRequest>;

export interface SubmittedRequest {
  readonly requestId: string;
  readonly sessionId: string;
  readonly events: AsyncIterable<ClientEvent>;
}

export class PromptClient {
  private readonly producer: ProducerPort;
  private readonly consumer: ConsumerPort;
  private readonly queues = new Map<string, RequestEventQueue>();
  private readonly topics: { prompts: string; output: string; cancel: string };
  private readonly eventTimeoutMs: number;
  private readonly groupId = `kpo-client-${randomUUID()}`;
  private partitionCount = 0;
  private wanted = new Map<number, number>();
  private started: Promise<void> | undefined;

  constructor(private readonly options: PromptClientOptions) {
    this.topics = {
      prompts: options.promptsTopic ?? 'llm.prompts',
      output: options.outputTopic ?? 'llm.output',
      cancel: options.cancelTopic ?? 'llm.cancel',
    };
    this.eventTimeoutMs = options.eventTimeoutMs ?? 120_000;
    this.producer = options.kafka.createProducer();
    this.consumer = options.kafka.createConsumer({ groupId: this.groupId, maxWaitTimeMs: 100 });
  }

  /** Connects the producer and joins the output topic (from its end). Called by submit() when needed. */
  start(): Promise<void> {
    this.started ??= this.connect();
    return this.started;
  }

  /** Produces the prompt; its events are ready to iterate before it is sent, so none is missed. */
  async submit(input: PromptInput): Promise<SubmittedRequest> {
    await this.start();
    const request = withDefaults(input);
    const events = this.follow(request.requestId, request.sessionId);
    const value = await this.options.codecs.promptRequest.encode(request);
    await this.producer.send([
      {
        topic: this.topics.prompts,
        key: request.sessionId,
        value,
        headers: { [HEADER.requestId]: request.requestId },
      },
    ]);
    return { requestId: request.requestId, sessionId: request.sessionId, events };
  }

  /** Asks the pipeline to stop a request; its stream ends with a cancelled event. */
  async cancel(requestId: string, sessionId: string, reason = 'cancelled by client'): Promise<void> {
    await this.start();
    const value = await this.options.codecs.cancel.encode({
      requestId,
      sessionId,
      reason,
      requestedAtMs: Date.now(),
    });
    await this.producer.send([{ topic: this.topics.cancel, key: sessionId, value }]);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.consumer.close(), this.producer.close()]);
    const admin = this.options.kafka.createAdmin();
    try {
      await admin.connect();
      await admin.deleteGroups([this.groupId]);
    } catch {
      // The group expires on its own; failing to delete it is not worth an error.
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  private follow(requestId: string, sessionId: string): RequestEventQueue {
    const partition = partitionForKey(sessionId, this.partitionCount);
    this.wanted.set(partition, (this.wanted.get(partition) ?? 0) + 1);
    this.consumer.resume([{ topic: this.topics.output, partition }]);
    const queue = new RequestEventQueue(requestId, sessionId, this.eventTimeoutMs, () => {
      this.queues.delete(requestId);
      const left = (this.wanted.get(partition) ?? 1) - 1;
      if (left > 0) this.wanted.set(partition, left);
      else this.wanted.delete(partition);
    });
    this.queues.set(requestId, queue);
    return queue;
  }

  private async connect(): Promise<void> {
    const admin = this.options.kafka.createAdmin();
    await admin.connect();
    try {
      this.partitionCount = (await admin.describeTopic(this.topics.output)).partitions.length;
    } finally {
      await admin.close();
    }
    await this.producer.connect();
    await this.consumer.subscribe([this.topics.output], { fromBeginning: false });
    await this.consumer.run({
      onBatch: (batch) => this.onBatch(batch),
      onAssignmentChange: (change) => {
        // Fetch only partitions some followed session maps to.
        const idle = change.current.filter((tp) => !this.wanted.has(tp.partition));
        this.consumer.pause(idle);
      },
    });
  }

  private async onBatch(batch: ConsumedBatch): Promise<number> {
    if (!this.wanted.has(batch.partition)) {
      this.consumer.pause([{ topic: batch.topic, partition: batch.partition }]);
      return batch.records.length; // nobody here waits for this partition's events
    }
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
    return batch.records.length;
  }
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
