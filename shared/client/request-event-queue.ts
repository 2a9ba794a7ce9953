/**
 * The events of one request, as an async iterator: pushed by the client's
 * output consumer, pulled by the caller. Ends after the terminal event, or
 * with a synthesized KPO_TIMEOUT error event when nothing arrives in time.
 */
import type { ClientEvent } from '../messages/types.ts';

export const TERMINAL_EVENT_TYPES: ReadonlySet<ClientEvent['type']> = new Set([
  'done',
  'error',
  'shed',
  'rejected',
  'cancelled',
]);

export class RequestEventQueue implements AsyncIterable<ClientEvent> {
  private readonly buffered: ClientEvent[] = [];
  private waiter: ((event: ClientEvent | undefined) => void) | undefined;
  private ended = false;
  private nextSeq = 0;

  constructor(
    private readonly requestId: string,
    private readonly sessionId: string,
    private readonly timeoutMs: number,
    private readonly onEnd: () => void,
  ) {}

  /**
   * Takes an event; repeats (seq already seen) are dropped, so a caller sees each event once.
   * A terminal event is always taken: one raised by an earlier stage's failure may carry a low seq.
   */
  push(event: ClientEvent): void {
    if (this.ended) return;
    if (event.seq < this.nextSeq && !TERMINAL_EVENT_TYPES.has(event.type)) return;
    this.nextSeq = Math.max(this.nextSeq, event.seq + 1);
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake(event);
    } else {
      this.buffered.push(event);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ClientEvent> {
    try {
      for (;;) {
        const event = this.buffered.shift() ?? (await this.next());
        yield event;
        if (TERMINAL_EVENT_TYPES.has(event.type)) return;
      }
    } finally {
      this.ended = true;
      this.onEnd();
    }
  }

  private next(): Promise<ClientEvent> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(this.timeoutEvent());
      }, this.timeoutMs);
      this.waiter = (event) => {
        clearTimeout(timer);
        resolve(event ?? this.timeoutEvent());
      };
    });
  }

  private timeoutEvent(): ClientEvent {
    return {
      requestId: this.requestId,
      sessionId: this.sessionId,
      type: 'error',
      seq: this.nextSeq,
      text: '',
      usage: null,
      errorCode: 'KPO_TIMEOUT',
      errorMessage: `no event for request ${this.requestId} within ${this.timeoutMs} ms`,
      timestampMs: Date.now(),
      e2eMs: null,
    };
  }
}
