/**
 * The events of one request, as an async iterator: pushed by the client's
 * output reader, pulled by the caller. Ends after the terminal event, with a
 * synthesized KPO_TIMEOUT error event when nothing arrives in time, or with a
 * synthesized KPO_EVENT_GAP error event when an event is missing (seqs run
 * from 0 without gaps, so a jump means events were lost to this client and the
 * answer it holds is incomplete).
 */
import { AsyncPushQueue } from '../async/async-push-queue.ts';
import type { ErrorCode } from '../errors/error-codes.ts';
import type { ClientEvent } from '../messages/types.ts';

export const TERMINAL_EVENT_TYPES: ReadonlySet<ClientEvent['type']> = new Set([
  'done',
  'error',
  'shed',
  'rejected',
  'cancelled',
]);

export class RequestEventQueue implements AsyncIterable<ClientEvent> {
  private readonly events = new AsyncPushQueue<ClientEvent>();
  /** No more events are taken (the terminal one was taken, or the caller left). */
  private finished = false;
  private released = false;
  private nextSeq = 0;

  constructor(
    private readonly requestId: string,
    private readonly sessionId: string,
    private readonly timeoutMs: number,
    /** Called once, when the queue no longer needs events (the client stops following the request). */
    private readonly onRelease: () => void,
  ) {}

  /**
   * Takes an event; repeats (seq already seen) are dropped, so a caller sees each event once.
   * A terminal event is always taken: one raised by an earlier stage's failure may carry a low seq.
   */
  push(event: ClientEvent): void {
    if (this.finished) return;
    const terminal = TERMINAL_EVENT_TYPES.has(event.type);
    if (event.seq < this.nextSeq && !terminal) return;
    const taken =
      event.seq > this.nextSeq
        ? this.syntheticError(
            'KPO_EVENT_GAP',
            `events ${this.nextSeq}..${event.seq - 1} of request ${this.requestId} never reached this client`,
          )
        : event;
    this.nextSeq = Math.max(this.nextSeq, event.seq + 1);
    this.deliver(taken);
  }

  /** Ends the queue without its iterator: nothing is followed any more (e.g. the prompt was never sent). */
  release(): void {
    this.finished = true;
    if (this.released) return;
    this.released = true;
    this.onRelease();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ClientEvent> {
    try {
      for (;;) {
        const event = await this.next();
        yield event;
        if (TERMINAL_EVENT_TYPES.has(event.type)) return;
      }
    } finally {
      this.release();
    }
  }

  private deliver(event: ClientEvent): void {
    if (TERMINAL_EVENT_TYPES.has(event.type)) this.finished = true;
    this.events.push(event);
  }

  /** The next event; a KPO_TIMEOUT error event when none arrives within timeoutMs. */
  private async next(): Promise<ClientEvent> {
    // A ref'd timer, not AbortSignal.timeout (unref'd): a caller waiting for events keeps the process alive
    // until its KPO_TIMEOUT event, as before.
    const timeout = new AbortController();
    const timer = this.events.size > 0 ? undefined : setTimeout(() => timeout.abort(), this.timeoutMs);
    try {
      const next = await this.events.take(timeout.signal);
      if (next.done !== true) return next.value;
    } catch {
      // the timeout's abort: handled below
    } finally {
      clearTimeout(timer);
    }
    this.finished = true;
    return this.syntheticError(
      'KPO_TIMEOUT',
      `no event for request ${this.requestId} within ${this.timeoutMs} ms`,
    );
  }

  private syntheticError(code: ErrorCode, message: string): ClientEvent {
    return {
      requestId: this.requestId,
      sessionId: this.sessionId,
      type: 'error',
      seq: this.nextSeq,
      text: '',
      usage: null,
      errorCode: code,
      errorMessage: message,
      timestampMs: Date.now(),
      e2eMs: null,
      resumes: 0,
      finishReason: null,
    };
  }
}
