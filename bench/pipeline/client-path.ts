/**
 * The pipeline as an application sees it: prompts submitted and events read
 * with the project's PromptClient (the same client `kpo chat`, the gateway and
 * users embed), which reads only the output partitions its requests map to.
 * Each request is a new single-turn session; the questions and request fields
 * are the raw path's (pipeline-path.ts), so the two paths are comparable.
 */
import { randomUUID } from 'node:crypto';
import { PromptClient } from '../../shared/client/prompt-client.ts';
import type { KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import type { MessageCodecs } from '../../shared/serde/create-message-codecs.ts';
import { QUESTIONS } from './pipeline-path.ts';
import type { BenchPath } from './bench-path.ts';
import { epochMs, type RequestOutcome } from './request-outcome.ts';

export interface ClientPathOptions {
  readonly kafka: KafkaClientPort;
  readonly codecs: MessageCodecs;
  readonly promptsTopic: string;
  readonly outputTopic: string;
  readonly cancelTopic: string;
  readonly maxTokens: number;
  /** A request with no event for this long ends as a timeout. */
  readonly eventTimeoutMs: number;
  readonly partitionLingerMs: number | undefined;
}

export class ClientPath implements BenchPath {
  private readonly client: PromptClient;
  private readonly runId = randomUUID().slice(0, 8);

  constructor(private readonly options: ClientPathOptions) {
    this.client = new PromptClient({
      kafka: options.kafka,
      codecs: options.codecs,
      promptsTopic: options.promptsTopic,
      outputTopic: options.outputTopic,
      cancelTopic: options.cancelTopic,
      eventTimeoutMs: options.eventTimeoutMs,
      partitionLingerMs: options.partitionLingerMs,
    });
  }

  start(): Promise<void> {
    return this.client.start();
  }

  /** Submits one prompt; resolves with its outcome when its terminal event arrives. */
  async fire(index: number, tag = 'r'): Promise<RequestOutcome> {
    const sentAt = performance.now();
    const requestId = `${tag}-${this.runId}-${index}-${randomUUID().slice(0, 8)}`;
    const submitted = await this.client.submit({
      requestId,
      sessionId: `bench-${this.runId}-${tag}-${index}`,
      messages: [{ role: 'user', content: QUESTIONS[index % QUESTIONS.length]! }],
      params: { temperature: 1, topP: 1, seed: index },
      maxTokens: this.options.maxTokens,
    });
    let firstTokenAt: number | undefined;
    let lastTokenAt: number | undefined;
    const gapsMs: number[] = [];
    for await (const event of submitted.events) {
      const now = performance.now();
      if (event.type === 'token') {
        if (lastTokenAt !== undefined) gapsMs.push(now - lastTokenAt);
        firstTokenAt ??= now;
        lastTokenAt = now;
        continue;
      }
      return {
        terminal: event.errorCode === 'KPO_TIMEOUT' ? 'timeout' : event.type,
        ttftMs: firstTokenAt === undefined ? undefined : firstTokenAt - sentAt,
        gapsMs,
        e2eMs: now - sentAt,
        terminalDelayMs: Date.now() - event.timestampMs,
        requestId,
        sentAtMs: epochMs(sentAt),
        firstTokenAtMs: firstTokenAt === undefined ? undefined : epochMs(firstTokenAt),
        terminalAtMs: Date.now(),
      };
    }
    return {
      terminal: 'timeout',
      ttftMs: firstTokenAt === undefined ? undefined : firstTokenAt - sentAt,
      gapsMs,
      e2eMs: undefined,
    };
  }

  /** Nothing to forget: the client ends every request itself (its event timeout). */
  forgetPending(): void {}

  close(): Promise<void> {
    return this.client.close();
  }
}
