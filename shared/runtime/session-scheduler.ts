/**
 * Runs work items with per-session order and cross-session concurrency:
 * items of one session run one at a time in the order enqueued; items of
 * different sessions run concurrently, at most `concurrency` at once, sessions
 * served round-robin so one long session cannot starve the others.
 */
export class SessionScheduler<T> {
  private readonly queues = new Map<string, T[]>();
  /** Sessions with queued items and nothing running, in arrival order. */
  private readonly ready: string[] = [];
  private readyHead = 0;
  private readonly running = new Set<string>();
  private queuedCount = 0;
  private starting = true;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly concurrency: number,
    private readonly run: (item: T) => Promise<void>,
  ) {}

  get runningCount(): number {
    return this.running.size;
  }

  get queued(): number {
    return this.queuedCount;
  }

  enqueue(session: string, item: T): void {
    let queue = this.queues.get(session);
    if (!queue) {
      this.queues.set(session, (queue = []));
      if (!this.running.has(session)) this.ready.push(session);
    }
    queue.push(item);
    this.queuedCount += 1;
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
    return this.running.size === 0 && (this.queuedCount === 0 || !this.starting);
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private pump(): void {
    while (this.starting && this.running.size < this.concurrency && this.readyHead < this.ready.length) {
      const session = this.ready[this.readyHead]!;
      this.readyHead += 1;
      if (this.readyHead > 1024 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      const queue = this.queues.get(session);
      const item = queue?.shift();
      if (queue === undefined || item === undefined) continue;
      this.queuedCount -= 1;
      if (queue.length === 0) this.queues.delete(session);
      this.running.add(session);
      this.runOne(session, item);
    }
  }

  private runOne(session: string, item: T): void {
    let running: Promise<void>;
    try {
      running = this.run(item);
    } catch {
      running = Promise.resolve();
    }
    // run() owns its errors; a rejection here must not stall the session.
    running.then(
      () => this.finish(session),
      () => this.finish(session),
    );
  }

  private finish(session: string): void {
    this.running.delete(session);
    if (this.queues.has(session)) this.ready.push(session);
    this.pump();
    this.notifyIfIdle();
  }
}
