/**
 * The stream stage's outbox: the events a handled chunk makes are saved with
 * the request's new state (one write) BEFORE they are sent, then sent in seq
 * order. A worker that died after the broker took an event left it in the
 * saved outbox; the worker that takes the request over sends only the outbox
 * events the output topic does not hold yet (SentEventsLookup), so a retry or
 * a takeover repeats no event and loses none.
 */
import type { ClientEvent } from '../../shared/messages/types.ts';
import type { StreamProgressStore } from '../../shared/redis/stream-progress-store.ts';
import type { EmitOptions, HandlerContext } from '../../shared/runtime/stage-handler.ts';
import type { RequestStream } from './request-stream.ts';
import type { SentEventsLookup } from './sent-events-lookup.ts';

export interface StreamOutboxDeps {
  readonly progress: StreamProgressStore;
  /** Which saved events are on their topic already: asked after a failed send or a takeover. */
  readonly sent: SentEventsLookup;
  /** Where events of a request without a reply-to topic go (the stage's output topic). */
  readonly outputTopic: string;
  /** Called once per request with its terminal event as it goes out; must not throw. */
  readonly onTerminal?: (event: ClientEvent) => void;
}

export class StreamOutbox {
  constructor(private readonly deps: StreamOutboxDeps) {}

  /**
   * Saves the request's state with `events` as its outbox, taken at `savedAtMs`. False when the save was
   * refused: another worker saved since this copy was loaded or saved.
   */
  async save(stream: RequestStream, events: readonly ClientEvent[], savedAtMs: number): Promise<boolean> {
    const progress = {
      ...stream.toProgress(),
      version: stream.version + 1,
      outbox: events,
      outboxSavedAtMs: savedAtMs,
    };
    if (!(await this.deps.progress.save(stream.sessionId, stream.requestId, progress))) return false;
    stream.version += 1;
    stream.dirty = false;
    stream.outbox = events;
    stream.outboxSavedAtMs = savedAtMs;
    stream.outboxSent = false;
    stream.outboxUnsure = false;
    return true;
  }

  /**
   * Sends the outbox events not yet on their topic. Right after a save none is; after a failed send or on a
   * copy loaded from the store (a takeover), the topic is asked which are.
   */
  async send(stream: RequestStream, context: HandlerContext<ClientEvent>): Promise<void> {
    if (stream.outboxSent) return;
    const first = stream.outbox[0];
    const last = stream.outbox.at(-1);
    if (first === undefined || last === undefined) return;
    const sentThrough = stream.outboxUnsure
      ? await this.deps.sent.highestSent({
          topic: stream.replyTo ?? this.deps.outputTopic,
          key: stream.sessionId,
          requestId: stream.requestId,
          fromSeq: first.seq,
          toSeq: last.seq,
          sinceMs: stream.outboxSavedAtMs,
        })
      : first.seq - 1;
    stream.outboxUnsure = true;
    for (const event of stream.outbox) {
      if (event.seq <= sentThrough) continue;
      await context.emit(event, emitOptions(stream, event.seq));
      if (event.type !== 'token') this.reportTerminal(event);
    }
    stream.outboxSent = true;
    stream.outboxUnsure = false;
  }

  private reportTerminal(event: ClientEvent): void {
    try {
      this.deps.onTerminal?.(event);
    } catch {
      // instrumentation must not break the stream
    }
  }
}

function emitOptions(stream: RequestStream, seq: number): EmitOptions {
  return stream.replyTo === null
    ? { seq, key: stream.sessionId }
    : { seq, key: stream.sessionId, topic: stream.replyTo };
}
