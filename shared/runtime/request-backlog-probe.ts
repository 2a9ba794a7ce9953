/**
 * How many admitted requests the rest of the pipeline still holds: the summed
 * consumer lag (end offset − committed offset, so records in flight count) of
 * the stages whose input carries one record per request, polled every
 * intervalMs. The first stage adds it to its own backlog for its admission
 * limit: under a surge the backlog builds at the slowest stage, usually far
 * from the first, and a limit on the first stage's own backlog alone admits
 * everything (bench:pipeline --surge). A failed poll keeps the last figure.
 * It polls only while someone reads the figure (records arrive) or the last
 * figure was not 0: an idle worker with nothing downstream sends no admin requests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { consumerGroupLag } from '../kafka/consumer-group-lag.ts';
import type { AdminPort } from '../kafka/kafka-port.ts';
import type { WorkerLogger } from './worker-logger.ts';

export interface BacklogWatch {
  readonly groupId: string;
  readonly topic: string;
}

/** A poll that takes longer than this (a broker that stalls) counts as failed. */
const POLL_TIMEOUT_MS = 5_000;

export class RequestBacklogProbe {
  private latest = 0;
  private read = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly admin: AdminPort,
    private readonly watches: readonly BacklogWatch[],
    private readonly intervalMs: number,
    private readonly logger: WorkerLogger,
  ) {}

  /** Requests the watched stages hold, as of the last poll. */
  get backlog(): number {
    this.read = true;
    return this.latest;
  }

  async start(): Promise<void> {
    await this.admin.connect();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    await this.admin.close().catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failing = false;
    while (!this.stopping.signal.aborted) {
      // Idle and nothing held downstream: no admin requests. A non-zero figure is kept fresh until it drains,
      // so the first prompt after a quiet spell is not judged by a surge long over.
      if (!this.read && this.latest === 0) {
        await sleep(this.intervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        continue;
      }
      this.read = false;
      try {
        this.latest = await this.pollWithin(POLL_TIMEOUT_MS);
        failing = false;
      } catch (error) {
        if (this.stopping.signal.aborted) break;
        if (!failing)
          this.logger.warn({ error: String(error) }, 'request backlog poll failed; keeping the last figure');
        failing = true;
      }
      await sleep(this.intervalMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
    }
  }

  /** The poll, or a rejection after timeoutMs or at stop: neither a stalled broker nor stop() waits for it. */
  private async pollWithin(timeoutMs: number): Promise<number> {
    const timer = new AbortController();
    const signal = AbortSignal.any([timer.signal, this.stopping.signal]);
    try {
      return await Promise.race([
        this.poll(),
        sleep(timeoutMs, undefined, { signal }).then(() => {
          throw new Error(`no answer within ${timeoutMs} ms`);
        }),
      ]);
    } finally {
      timer.abort();
    }
  }

  private async poll(): Promise<number> {
    const lags = await Promise.all(
      this.watches.map(
        async ({ groupId, topic }) => (await consumerGroupLag(this.admin, groupId, topic)).lag,
      ),
    );
    return lags.reduce((a, b) => a + b, 0);
  }
}
