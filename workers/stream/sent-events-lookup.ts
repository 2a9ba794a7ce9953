/**
 * Answers "which of these events of a request are on their topic already?"
 * for the stream stage's outbox (shared/redis/stream-progress-store.ts): a
 * worker taking a request over sends only the saved events that are not.
 */

export interface SentEventsQuery {
  readonly topic: string;
  /** The events' Kafka key (the session ID): picks the partition. */
  readonly key: string;
  readonly requestId: string;
  /** The events' seqs are fromSeq..toSeq; they were sent one after the other, in seq order. */
  readonly fromSeq: number;
  readonly toSeq: number;
  /** The events were produced after this, epoch ms. */
  readonly sinceMs: number;
}

export interface SentEventsLookup {
  /**
   * The highest seq of fromSeq..toSeq on the topic (every lower one was acknowledged before it was sent),
   * or fromSeq − 1 when none is. When it cannot tell, it answers fromSeq − 1: sending again is the safe
   * side (at-least-once; readers drop repeats by identity).
   */
  highestSent(query: SentEventsQuery): Promise<number>;
  close(): Promise<void>;
}
