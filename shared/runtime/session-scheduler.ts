/**
 * Runs work items with per-session order and cross-session concurrency:
 * items of one session run one at a time in the order enqueued; items of
 * different sessions run concurrently, at most `concurrency` at once, sessions
 * served round-robin so one long session cannot starve the others.
 *
 * Hot path: a session is one map entry while it has work (queued or running)
 * and is removed when its last item finishes, so the common case (one record
 * per session at a time) costs one map insert and one delete per record; the
 * first queued item is held inline, an array is made only for a backlog.
 */
/** A session's identity: a string (the record key), or an object for a one-record session. */
export type SessionKey = string | object;

class Session<T> {
  running = false;
  /** In the ready list (has queued items, nothing running). */
  ready = false;
  private first: T | undefined;
  private more: T[] | undefined;
  private moreHead = 0;

  constructor(readonly key: SessionKey) {}

  get hasQueued(): boolean {
    return this.first !== undefined;
  }

  push(item: T): void {
    if (this.first === undefined) this.first = item;
    else (this.more ??= []).push(item);
  }

  shift(): T | undefined {
    const item = this.first;
    const more = this.more;
    if (more !== undefined && this.moreHead < more.length) {
      this.first = more[this.moreHead];
      more[this.moreHead] = undefined as T;
      this.moreHead += 1;
      if (this.moreHead === more.length) {
        this.more = undefined;
        this.moreHead = 0;
      }
    } else {
      this.first = undefined;
    }
    return item;
  }
}

export class SessionScheduler<T, R = void> {
  private readonly sessions = new Map<SessionKey, Session<T>>();
  /** Sessions with queued items and nothing running, in arrival order. */
  private ready: Session<T>[] = [];
  private readyHead = 0;
  private runningNow = 0;
  private queuedCount = 0;
  private starting = true;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly run: (item: T) => Promise<R>,
    /** Called with run()'s result before the session's next item may start. */
    private readonly onDone?: (item: T, result: R) => void,
    /** Told when onDone threw (the session goes on; a throw must not become an unhandled rejection). */
    private readonly onDoneError?: (error: unknown, item: T) => void,
  ) {}

  get runningCount(): number {
    return this.runningNow;
  }

  get queued(): number {
    return this.queuedCount;
  }

  enqueue(key: SessionKey, item: T): void {
    let session = this.sessions.get(key);
    if (session === undefined) this.sessions.set(key, (session = new Session<T>(key)));
    session.push(item);
    this.queuedCount += 1;
    if (!session.running && !session.ready) {
      session.ready = true;
      this.ready.push(session);
    }
    this.pump();
  }

  /** Stops starting queued items (forced shutdown); running ones finish on their own. */
  stopStarting(): void {
    this.starting = false;
    this.notifyIfIdle();
  }

  /** Resolves when nothing runs and (unless stopStarting was called) nothing is queued. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.runningNow === 0 && (this.queuedCount === 0 || !this.starting);
  }

  private notifyIfIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (this.starting && this.runningNow < this.concurrency && this.readyHead < this.ready.length) {
      const session = this.ready[this.readyHead]!;
      this.readyHead += 1;
      if (this.readyHead === this.ready.length) {
        this.ready = [];
        this.readyHead = 0;
      } else if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      session.ready = false;
      const item = session.shift();
      if (item === undefined) continue;
      this.queuedCount -= 1;
      session.running = true;
      this.runningNow += 1;
      this.runOne(session, item);
    }
  }

  private runOne(session: Session<T>, item: T): void {
    let running: Promise<R>;
    try {
      running = this.run(item);
    } catch (error) {
      running = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // run() owns its errors; a rejection here must not stall the session.
    running.then(
      (result) => {
        try {
          this.onDone?.(item, result);
        } catch (error) {
          this.onDoneError?.(error, item);
        }
        this.finish(session);
      },
      () => this.finish(session),
    );
  }

  private finish(session: Session<T>): void {
    session.running = false;
    this.runningNow -= 1;
    if (session.hasQueued) {
      session.ready = true;
      this.ready.push(session);
    } else {
      this.sessions.delete(session.key);
    }
    this.pump();
    this.notifyIfIdle();
  }
}
