/**
 * Traffic of other users: prompts for sessions no test client follows, on
 * every partition of the prompts topic, produced straight to the topic until
 * stopped. Lets a test prove a client is not disturbed by records it ignores.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { partitionForKey } from '../../shared/client/session-partition.ts';
import type { KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import type { PromptRequest } from '../../shared/messages/types.ts';
import type { RecordCodec } from '../../shared/serde/record-codec.ts';

/** A session ID of the given prefix that the partitioner maps to `partition`. */
export function sessionOnPartition(prefix: string, partition: number, partitions: number): string {
  for (let i = 0; i < 10_000; i++) {
    const id = `${prefix}-${i}`;
    if (partitionForKey(id, partitions) === partition) return id;
  }
  throw new Error(`no session ID with prefix ${prefix} maps to partition ${partition} of ${partitions}`);
}

export interface OtherSessionsTraffic {
  /** Prompts produced so far. */
  readonly produced: () => number;
  stop(): Promise<void>;
}

export async function startOtherSessionsTraffic(options: {
  readonly kafka: KafkaClientPort;
  readonly codec: RecordCodec<PromptRequest>;
  readonly topic: string;
  readonly partitions: number;
  readonly sessionPrefix: string;
  /** Pause between rounds (one prompt per partition per round). */
  readonly intervalMs: number;
}): Promise<OtherSessionsTraffic> {
  const producer = options.kafka.createProducer();
  await producer.connect();
  const stopped = new AbortController();
  let produced = 0;
  const loop = (async () => {
    for (let round = 0; !stopped.signal.aborted; round++) {
      const records = await Promise.all(
        Array.from({ length: options.partitions }, async (_, partition) => {
          const sessionId = sessionOnPartition(
            `${options.sessionPrefix}-${round}`,
            partition,
            options.partitions,
          );
          const request: PromptRequest = {
            requestId: `${sessionId}-r`,
            sessionId,
            tenant: '',
            messages: [{ role: 'user', content: `background question ${round}` }],
            model: 'default',
            params: { temperature: 0, topP: 1, seed: 1 },
            stop: [],
            maxTokens: 8,
            deadlineMs: null,
            priority: 0,
            replyTo: null,
            metadata: {},
            createdAtMs: Date.now(),
          };
          return { topic: options.topic, key: sessionId, value: await options.codec.encode(request) };
        }),
      );
      await producer.send(records);
      produced += records.length;
      await sleep(options.intervalMs, undefined, { signal: stopped.signal }).catch(() => undefined);
    }
  })();
  return {
    produced: () => produced,
    async stop() {
      stopped.abort();
      await loop;
      await producer.close();
    },
  };
}
