/**
 * The worker-thread pool the post stage runs redaction in (piscina), so CPU
 * spent on regexes — or a pathological pattern — never blocks the event loop
 * that keeps Kafka heartbeats and other sessions moving. The Node counterpart
 * of spawn_blocking / a rayon pool.
 */
import { Piscina } from 'piscina';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import type { RedactionRule } from './redaction-rules.ts';
import type { RedactionStep } from './streaming-redactor.ts';
import type { RedactionTask } from './redaction-worker.ts';

export interface RedactionPoolOptions {
  readonly rules: readonly RedactionRule[];
  readonly maxHoldChars: number;
  /** Worker threads. */
  readonly threads: number;
  /** A task running longer than this fails (a runaway regex). */
  readonly taskTimeoutMs: number;
}

export interface Redactor {
  redact(held: string, text: string, final: boolean): Promise<RedactionStep>;
  close(): Promise<void>;
}

/**
 * Longest a worker thread may take to start and compile the rules. Kept apart from taskTimeoutMs, which is
 * about one regex step: loading the worker's modules (through tsx, on a busy machine) can take seconds.
 */
const THREAD_START_TIMEOUT_MS = 30_000;

export class RedactionPool implements Redactor {
  private readonly pool: Piscina<RedactionTask, RedactionStep>;
  private readonly options: RedactionPoolOptions;
  private readonly rulesKey: string;
  /** Settles when a thread ran a first (empty) task; until then no task's own timeout starts. */
  private started: Promise<void> | undefined;

  constructor(options: RedactionPoolOptions) {
    this.options = options;
    this.rulesKey = JSON.stringify(options.rules);
    this.pool = new Piscina<RedactionTask, RedactionStep>({
      filename: new URL('./redaction-worker.ts', import.meta.url).href,
      minThreads: 1,
      maxThreads: options.threads,
      idleTimeout: 30_000,
    });
    this.threadStarted().catch(() => undefined); // start now; a failure is reported by the first redact()
  }

  async redact(held: string, text: string, final: boolean): Promise<RedactionStep> {
    try {
      await this.threadStarted();
      return await this.pool.run(this.task(held, text, final), {
        signal: AbortSignal.timeout(this.options.taskTimeoutMs),
      });
    } catch (cause) {
      throw new KpoError(
        'KPO_HANDLER',
        `redaction failed: ${cause instanceof Error ? cause.message : String(cause)}`,
        {
          retryable: true,
          cause,
          context: { stage: 'post' },
        },
      );
    }
  }

  /** The first task (empty text) of a fresh pool; tried again by the next redact() if it failed. */
  private threadStarted(): Promise<void> {
    this.started ??= this.pool
      .run(this.task('', '', false), { signal: AbortSignal.timeout(THREAD_START_TIMEOUT_MS) })
      .then(
        () => undefined,
        (error: unknown) => {
          this.started = undefined;
          throw error;
        },
      );
    return this.started;
  }

  private task(held: string, text: string, final: boolean): RedactionTask {
    return {
      rulesKey: this.rulesKey,
      rules: this.options.rules,
      held,
      text,
      final,
      maxHoldChars: this.options.maxHoldChars,
    };
  }

  /** Tasks completed so far by the pool's threads (for tests and metrics). */
  get completedTasks(): number {
    return this.pool.completed;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
