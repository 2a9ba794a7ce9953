/** SentEventsLookup over the events a test recorded: what a real lookup finds on the output topic. */
import type { ClientEvent } from '../../../../shared/messages/types.ts';
import type { SentEventsLookup, SentEventsQuery } from '../../../../workers/stream/sent-events-lookup.ts';
import type { RecordedEmit } from '../recording-handler-context.ts';

export class RecordedEventsLookup implements SentEventsLookup {
  /** Lookups asked (a takeover asks; a worker that sent its own events does not). */
  readonly queries: SentEventsQuery[] = [];

  constructor(private readonly emitted: readonly RecordedEmit<ClientEvent>[]) {}

  async highestSent(query: SentEventsQuery): Promise<number> {
    this.queries.push(query);
    let highest = query.fromSeq - 1;
    for (const { output } of this.emitted) {
      if (output.requestId === query.requestId && output.seq >= query.fromSeq)
        highest = Math.max(highest, Math.min(output.seq, query.toSeq));
    }
    return highest;
  }

  async close(): Promise<void> {}
}

/** The handler deps of a stream whose events go to `emitted`. */
export function recordedOutput(emitted: readonly RecordedEmit<ClientEvent>[]): {
  readonly sent: RecordedEventsLookup;
  readonly outputTopic: string;
} {
  return { sent: new RecordedEventsLookup(emitted), outputTopic: 'test.out' };
}
