/**
 * Sends one turn into the pipeline and waits for its terminal event: the
 * prompt is produced to the prompts topic; one consumer of the bench reads
 * every partition of the (bench-own, fresh) output topic from the start and
 * hands each event to the request it belongs to. Nothing is paused, so other
 * sessions' traffic never stalls a turn. TTFT = produce → first token event;
 * the model TTFT (inference stage's call → first token) comes from the final
 * chunks on the raw tokens topic, read by the same consumer.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaClientPort, ConsumerPort, ProducerPort } from '../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import type { ClientEvent, Usage } from '../../shared/messages/types.ts';
import type { MessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import { benchPromptRequest } from '../bench-prompt-request.ts';

export interface TurnOutcome {
  readonly requestId: string;
  readonly terminal: ClientEvent['type'];
  readonly errorCode: string | null;
  readonly usage: Usage | null;
  readonly ttftMs: number | null;
  readonly text: string;
}

interface Waiting {
  readonly startedAt: number;
  firstTokenAt: number | null;
  text: string;
  readonly resolve: (outcome: TurnOutcome) => void;
}

export class TurnClient {
  private readonly producer: ProducerPort;
  private readonly consumer: ConsumerPort;
  private readonly waiting = new Map<string, Waiting>();
  private readonly modelTtfts = new Map<string, number>();

  constructor(
    kafka: KafkaClientPort,
    private readonly codecs: MessageCodecs,
    private readonly topics: {
      readonly prompts: string;
      readonly output: string;
      readonly tokensRaw: string;
    },
  ) {
    this.producer = kafka.createProducer();
    this.consumer = kafka.createConsumer({ groupId: `kv-bench-${randomUUID()}`, maxWaitTimeMs: 50 });
  }

  async start(): Promise<void> {
    await this.producer.connect();
    await this.consumer.subscribe([this.topics.output, this.topics.tokensRaw], { fromBeginning: true });
    await this.consumer.run({
      onBatch: async (batch) => {
        for (const record of batch.records) {
          if (record.value === null) continue;
          if (batch.topic === this.topics.output) {
            this.deliver(await this.codecs.clientEvent.decode(record.value));
            continue;
          }
          const chunk = await this.codecs.tokenChunk.decode(record.value);
          if (chunk.final && chunk.timings !== null)
            this.modelTtfts.set(chunk.requestId, chunk.timings.ttftMs);
        }
        return batch.records.length;
      },
    });
  }

  /** Sends `question` as the session's next turn; resolves with its outcome (an error outcome after timeoutMs). */
  async turn(
    sessionId: string,
    question: string,
    options: { readonly maxTokens: number; readonly timeoutMs: number },
  ): Promise<TurnOutcome> {
    const request = benchPromptRequest({
      requestId: randomUUID(),
      sessionId,
      question,
      maxTokens: options.maxTokens,
      temperature: 0,
    });
    const done = new Promise<TurnOutcome>((resolve) => {
      this.waiting.set(request.requestId, {
        startedAt: performance.now(),
        firstTokenAt: null,
        text: '',
        resolve,
      });
    });
    const timer = setTimeout(() => {
      this.finish(request.requestId, { terminal: 'error', errorCode: 'BENCH_TIMEOUT', usage: null });
    }, options.timeoutMs);
    try {
      const value = await this.codecs.promptRequest.encode(request);
      await this.producer.send([
        {
          topic: this.topics.prompts,
          key: sessionId,
          value,
          headers: { [HEADER.requestId]: request.requestId },
        },
      ]);
      return await done;
    } finally {
      clearTimeout(timer);
    }
  }

  /** TTFT the inference stage measured for a request (model call → first token, routing included). */
  modelTtftMs(requestId: string): number | undefined {
    return this.modelTtfts.get(requestId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.consumer.close(), this.producer.close()]);
  }

  private deliver(event: ClientEvent): void {
    const waiting = this.waiting.get(event.requestId);
    if (waiting === undefined) return;
    if (event.type === 'token') {
      waiting.firstTokenAt ??= performance.now();
      waiting.text += event.text;
      return;
    }
    this.finish(event.requestId, { terminal: event.type, errorCode: event.errorCode, usage: event.usage });
  }

  private finish(requestId: string, end: Pick<TurnOutcome, 'terminal' | 'errorCode' | 'usage'>): void {
    const waiting = this.waiting.get(requestId);
    if (waiting === undefined) return;
    this.waiting.delete(requestId);
    waiting.resolve({
      requestId,
      ...end,
      ttftMs: waiting.firstTokenAt === null ? null : waiting.firstTokenAt - waiting.startedAt,
      text: waiting.text,
    });
  }
}
