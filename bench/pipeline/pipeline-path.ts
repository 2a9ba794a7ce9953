/**
 * The bench's own client of the pipeline: produces PromptRequests to the
 * prompts topic (coalesced sends, so arrivals never queue behind one produce
 * round trip) and reads the raw output topic with its own consumer from its
 * end, turning ClientEvents into RequestOutcomes. Each request is a new
 * single-turn session.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import type { ClientEvent, PromptRequest } from '../../shared/messages/types.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import { BatchingProducer } from '../../shared/runtime/batching-producer.ts';
import type { MessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import type { BenchPath } from './bench-path.ts';
import { epochMs, type RequestOutcome } from './request-outcome.ts';

export const QUESTIONS = [
  'How does Kafka keep the records of one key in order?',
  'What is a KV cache in LLM serving?',
  'What does backpressure mean for a stream processor?',
  'Why batch requests to a model server?',
  'What happens to partition order when a consumer group rebalances?',
  'Why does routing a session to the same replica help?',
];

interface Tracked {
  readonly sentAt: number;
  firstTokenAt: number | undefined;
  lastTokenAt: number | undefined;
  readonly gaps: number[];
  readonly resolve: (outcome: RequestOutcome) => void;
}

export interface PipelinePathOptions {
  readonly kafka: KafkaClientPort;
  readonly codecs: MessageCodecs;
  readonly promptsTopic: string;
  readonly outputTopic: string;
  readonly maxTokens: number;
}

export class PipelinePath implements BenchPath {
  private readonly tracked = new Map<string, Tracked>();
  private readonly producer;
  private readonly batching;
  private readonly consumer;
  private readonly runId = randomUUID().slice(0, 8);

  constructor(private readonly options: PipelinePathOptions) {
    this.producer = options.kafka.createProducer();
    this.batching = new BatchingProducer(this.producer, 500);
    this.consumer = options.kafka.createConsumer({
      groupId: `bench-pipeline-${this.runId}`,
      maxWaitTimeMs: 100,
    });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.subscribe([this.options.outputTopic], { fromBeginning: false });
    await this.consumer.run({
      onBatch: async (batch) => {
        const now = performance.now();
        for (const record of batch.records) {
          const requestId = record.headers[HEADER.requestId]?.toString();
          if (!record.value || requestId === undefined || !this.tracked.has(requestId)) continue;
          this.onEvent(await this.options.codecs.clientEvent.decode(record.value), now);
        }
        return batch.records.length;
      },
    });
  }

  /** Sends one prompt; resolves with its outcome when its terminal event arrives. */
  async fire(index: number, tag = 'r'): Promise<RequestOutcome> {
    const requestId = `${tag}-${this.runId}-${index}-${randomUUID().slice(0, 8)}`;
    const request: PromptRequest = {
      requestId,
      sessionId: `bench-${requestId}`,
      tenant: '',
      messages: [{ role: 'user', content: QUESTIONS[index % QUESTIONS.length]! }],
      model: 'default',
      params: { temperature: 1, topP: 1, seed: index },
      stop: [],
      maxTokens: this.options.maxTokens,
      deadlineMs: null,
      priority: 0,
      replyTo: null,
      metadata: {},
      createdAtMs: Date.now(),
    };
    const value = await this.options.codecs.promptRequest.encode(request);
    const outcome = new Promise<RequestOutcome>((resolve) => {
      this.tracked.set(requestId, {
        sentAt: performance.now(),
        firstTokenAt: undefined,
        lastTokenAt: undefined,
        gaps: [],
        resolve,
      });
    });
    void this.batching.send({
      topic: this.options.promptsTopic,
      key: request.sessionId,
      value,
      headers: { [HEADER.requestId]: requestId },
    });
    return outcome;
  }

  /** Forgets requests still waiting (after a step's deadline). */
  forgetPending(): void {
    this.tracked.clear();
  }

  async close(): Promise<void> {
    await this.consumer.close();
    await this.producer.close();
    const admin = this.options.kafka.createAdmin();
    await admin.connect();
    await admin.deleteGroups([`bench-pipeline-${this.runId}`]).catch(() => undefined);
    await admin.close();
  }

  private onEvent(event: ClientEvent, now: number): void {
    const t = this.tracked.get(event.requestId);
    if (t === undefined) return;
    if (event.type === 'token') {
      if (t.lastTokenAt !== undefined) t.gaps.push(now - t.lastTokenAt);
      t.firstTokenAt ??= now;
      t.lastTokenAt = now;
      return;
    }
    this.tracked.delete(event.requestId);
    t.resolve({
      terminal: event.type,
      ttftMs: t.firstTokenAt === undefined ? undefined : t.firstTokenAt - t.sentAt,
      gapsMs: t.gaps,
      e2eMs: now - t.sentAt,
      terminalDelayMs: Date.now() - event.timestampMs,
      requestId: event.requestId,
      sentAtMs: epochMs(t.sentAt),
      firstTokenAtMs: t.firstTokenAt === undefined ? undefined : epochMs(t.firstTokenAt),
      terminalAtMs: Date.now(),
    });
  }
}
