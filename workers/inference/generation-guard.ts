/**
 * Keeps a request's tokens from being generated twice by different workers
 * (see shared/redis/generation-lease-store.ts): claims the request before the
 * model call, records every chunk before it is sent, renews the claim while
 * tokens flow, and says what to do when another worker has it.
 *
 * Fails closed: while the lease store is unreachable the guard waits (up to
 * `unavailableMs`, then the attempt fails retryably) instead of generating
 * unguarded; when the lease is lost (renewal or a record refused) the claim's
 * signal aborts and nothing more may be sent.
 */
import { randomUUID } from 'node:crypto';
import type { GenerationLeaseStore, GenerationProgress } from '../../shared/redis/generation-lease-store.ts';
import { sleepUnlessAborted } from '../../shared/timers/sleep-unless-aborted.ts';
import { KpoError, toKpoError } from '../../shared/errors/kpo-error.ts';

export interface GenerationGuardOptions {
  readonly store: GenerationLeaseStore;
  /** A claim not renewed for this long counts as abandoned (its worker died). Default 6000 ms. */
  readonly leaseMs?: number;
  /** How often a waiting worker looks again, and how often a failed store call is retried. Default 250 ms. */
  readonly pollMs?: number;
  /** How long a store call may keep failing (Redis down or restarting) before the attempt fails. Default 15000 ms. */
  readonly unavailableMs?: number;
  /** A store call failed (it is retried); for logs. Must not throw. */
  readonly onStoreError?: (error: unknown) => void;
}

export type ClaimOutcome =
  /** Generate (claim.progress null) or resume after the recorded progress; call the claim's methods as the stream goes. */
  | { readonly kind: 'generate'; readonly claim: GenerationClaim }
  /** Another worker finished this request: nothing to do. */
  | { readonly kind: 'already-done' }
  /** An earlier worker sent tokens and left no readable record: end the request with an error, never a second stream. */
  | { readonly kind: 'interrupted'; readonly claim: GenerationClaim };

export interface GenerationClaim {
  /** A fresh identity for a new generation; resumptions keep progress.generationId. */
  readonly generationId: string;
  /** What earlier owners recorded (null: nothing went out yet). */
  readonly progress: GenerationProgress | null;
  /** Aborts when the lease is lost: stop generating and send nothing more. */
  readonly signal: AbortSignal;
  /** Records a chunk before it is sent; throws KPO_GENERATION_LEASE_LOST when another worker owns the request. */
  record(progress: Omit<GenerationProgress, 'owner'>): Promise<void>;
  /** The stream ended (any outcome that reached the client). */
  finished(): Promise<void>;
  /** Stopped without ending the stream: the next owner generates afresh or resumes. */
  released(): Promise<void>;
}

export class GenerationGuard {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly unavailableMs: number;

  constructor(private readonly options: GenerationGuardOptions) {
    this.leaseMs = options.leaseMs ?? 6_000;
    this.pollMs = options.pollMs ?? 250;
    this.unavailableMs = options.unavailableMs ?? 15_000;
  }

  /** Resolves once this worker may act; waits (abortably) while another worker holds the request. */
  async claim(sessionId: string, requestId: string, signal: AbortSignal): Promise<ClaimOutcome> {
    const owner = randomUUID();
    const context = { requestId, sessionId, stage: 'inference' };
    for (;;) {
      const acquisition = await this.withStore(
        () => this.options.store.acquire(sessionId, requestId, owner, this.leaseMs),
        signal,
        context,
      );
      if (acquisition.kind === 'done') return { kind: 'already-done' };
      if (acquisition.kind === 'acquired') {
        const claim = this.heldClaim(sessionId, requestId, owner, acquisition.progress);
        return acquisition.unreadable ? { kind: 'interrupted', claim } : { kind: 'generate', claim };
      }
      if (!(await sleepUnlessAborted(this.pollMs, signal))) throw stopped(signal, context);
    }
  }

  /** Runs a store call, retrying failures every pollMs for up to unavailableMs (fail closed, never unguarded). */
  private async withStore<T>(
    call: () => Promise<T>,
    signal: AbortSignal,
    context: { requestId: string; sessionId: string; stage: string },
  ): Promise<T> {
    const giveUpAt = Date.now() + this.unavailableMs;
    for (;;) {
      try {
        return await call();
      } catch (error) {
        this.options.onStoreError?.(error);
        if (Date.now() >= giveUpAt) {
          throw new KpoError('KPO_REDIS', 'the generation lease store stayed unreachable', {
            retryable: true,
            cause: error,
            context,
          });
        }
        if (!(await sleepUnlessAborted(this.pollMs, signal))) throw stopped(signal, context);
      }
    }
  }

  private heldClaim(
    sessionId: string,
    requestId: string,
    owner: string,
    progress: GenerationProgress | null,
  ): GenerationClaim {
    const { store } = this.options;
    const lost = new AbortController();
    const context = { requestId, sessionId, stage: 'inference' };
    const lostError = (): KpoError =>
      // Retryable: the next attempt waits for the other worker to finish, then finds the request done.
      new KpoError('KPO_GENERATION_LEASE_LOST', 'another worker took over the generation', {
        retryable: true,
        context,
      });
    let renewing = false;
    const renewal = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        store
          .renew(sessionId, requestId, owner, this.leaseMs)
          .then((held) => {
            if (!held) lost.abort(lostError());
          })
          // An unreachable store is not a lost lease: records fail closed meanwhile, and the lease is taken back
          // on reconnect unless another worker recorded progress since.
          .catch((error: unknown) => this.options.onStoreError?.(error))
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    const end = async (operation: () => Promise<void>): Promise<void> => {
      clearInterval(renewal);
      // Best effort: a lease not ended lapses after leaseMs, and "done" not written only costs a later skip.
      await operation().catch((error: unknown) => this.options.onStoreError?.(error));
    };
    return {
      generationId: progress?.generationId ?? randomUUID(),
      progress,
      signal: lost.signal,
      record: async (next) => {
        if (lost.signal.aborted) throw lostError();
        const outcome = await this.withStore(
          () => store.record(sessionId, requestId, owner, this.leaseMs, { ...next, owner }),
          lost.signal,
          context,
        );
        if (outcome === 'lost') {
          lost.abort(lostError());
          throw lostError();
        }
      },
      finished: () => end(() => store.finish(sessionId, requestId, owner)),
      released: () => end(() => store.release(sessionId, requestId, owner)),
    };
  }
}

function stopped(signal: AbortSignal, context: { requestId: string; sessionId: string }): KpoError {
  return signal.reason instanceof Error
    ? toKpoError(signal.reason)
    : new KpoError('KPO_CANCELLED', 'stopped waiting for the generation lease', {
        retryable: true,
        context: { ...context, stage: 'inference' },
      });
}
