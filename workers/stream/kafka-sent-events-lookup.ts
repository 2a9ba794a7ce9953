/**
 * SentEventsLookup on the output topics themselves: reads the request's
 * output partition backwards from its end, a window at a time, until it meets
 * one of the events (sent), an earlier event of the request or a record older
 * than the outbox (not sent), or its scan budget (unknown: send again). Only a
 * takeover asks, so the scan is short: the events were saved moments ago.
 * One range reader per topic, kept open (takeovers come in bursts).
 */
import { partitionForKey } from '../../shared/client/session-partition.ts';
import type { AdminPort, KafkaClientPort } from '../../shared/kafka/kafka-port.ts';
import { HEADER } from '../../shared/messages/header-names.ts';
import type { WorkerLogger } from '../../shared/runtime/worker-logger.ts';
import type { SentEventsLookup, SentEventsQuery } from './sent-events-lookup.ts';
import { TopicRangeReader } from './topic-range-reader.ts';

export interface SentEventsScanLimits {
  /** Records read per step backwards. Default 256. */
  readonly windowRecords: number;
  /** Records read at most per lookup. Default 20000. */
  readonly maxRecords: number;
  /** A record can sit this much later in the log than its timestamp says (clock skew, send retries). Default 30000 ms. */
  readonly lateAppendMs: number;
  /** Longest one window read waits. Default 5000 ms. */
  readonly readTimeoutMs: number;
}

const DEFAULT_LIMITS: SentEventsScanLimits = {
  windowRecords: 256,
  maxRecords: 20_000,
  lateAppendMs: 30_000,
  readTimeoutMs: 5_000,
};

export class KafkaSentEventsLookup implements SentEventsLookup {
  private readonly readers = new Map<string, TopicRangeReader>();
  private admin: Promise<AdminPort> | undefined;
  private readonly limits: SentEventsScanLimits;

  constructor(
    private readonly kafka: KafkaClientPort,
    private readonly logger: WorkerLogger,
    limits: Partial<SentEventsScanLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  async highestSent(query: SentEventsQuery): Promise<number> {
    try {
      return await this.scan(query);
    } catch (error) {
      this.logger.warn(
        { topic: query.topic, requestId: query.requestId, error: String(error) },
        'could not tell which saved events are on the output topic; sending them again',
      );
      return query.fromSeq - 1;
    }
  }

  async close(): Promise<void> {
    const readers = [...this.readers.values()];
    this.readers.clear();
    const admin = this.admin;
    this.admin = undefined;
    await Promise.allSettled([
      ...readers.map((reader) => reader.close()),
      admin?.then((connected) => connected.close()),
    ]);
  }

  private async scan(query: SentEventsQuery): Promise<number> {
    const none = query.fromSeq - 1;
    const marks = await (await this.connectedAdmin()).topicOffsets(query.topic);
    const partition = partitionForKey(query.key, marks.length);
    const mark = marks.find((m) => m.partition === partition);
    if (mark === undefined) return none;
    const low = BigInt(mark.low);
    const { windowRecords, maxRecords, lateAppendMs, readTimeoutMs } = this.limits;
    const reader = this.reader(query.topic);
    return reader.exclusive(async () => {
      let end = BigInt(mark.high);
      for (let scanned = 0; end > low && scanned < maxRecords;) {
        const start = end - BigInt(windowRecords) > low ? end - BigInt(windowRecords) : low;
        const records = await reader.read(partition, start, end, readTimeoutMs);
        scanned += records.length;
        for (let i = records.length - 1; i >= 0; i -= 1) {
          const headers = records[i]!.headers;
          if (headers[HEADER.requestId]?.toString() !== query.requestId) continue;
          const seq = Number(headers[HEADER.seq]?.toString());
          // An earlier event of the request: it went out before the outbox was saved, the outbox after it.
          return seq >= query.fromSeq ? Math.min(seq, query.toSeq) : none;
        }
        const oldest = records[0];
        if (oldest === undefined || oldest.timestampMs < query.sinceMs - lateAppendMs) return none;
        end = start;
      }
      return none;
    });
  }

  private reader(topic: string): TopicRangeReader {
    let reader = this.readers.get(topic);
    if (reader === undefined) this.readers.set(topic, (reader = new TopicRangeReader(this.kafka, topic)));
    return reader;
  }

  private connectedAdmin(): Promise<AdminPort> {
    this.admin ??= (async () => {
      const admin = this.kafka.createAdmin();
      await admin.connect();
      return admin;
    })();
    this.admin.catch(() => {
      this.admin = undefined;
    });
    return this.admin;
  }
}
