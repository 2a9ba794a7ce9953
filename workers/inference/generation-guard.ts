/**
 * Keeps a request's tokens from being generated twice by different workers
 * (see shared/redis/generation-lease-store.ts): claims the request before the
 * model call, renews the claim while tokens flow, and says what to do when
 * another worker has it. If the lease store is unreachable the guard steps
 * aside — the request is generated anyway (at-least-once) and counted.
 */
import { randomUUID } from 'node:crypto';
import type { GenerationLeaseStore } from '../../shared/redis/generation-lease-store.ts';
import { abortableSleep } from '../../shared/runtime/abortable-sleep.ts';
import { KpoError } from '../../shared/errors/kpo-error.ts';

export interface GenerationGuardOptions {
  readonly store: GenerationLeaseStore;
  /** A claim not renewed for this long counts as abandoned (its worker died). Default 6000 ms. */
  readonly leaseMs?: number;
  /** How often a waiting worker looks again. Default 250 ms. */
  readonly pollMs?: number;
  /** The store failed; the request goes on unguarded. Must not throw. */
  readonly onUnguarded?: (error: unknown) => void;
}

export type ClaimOutcome =
  /** Generate; call the claim's methods as the stream goes. */
  | { readonly kind: 'generate'; readonly claim: GenerationClaim }
  /** Another worker finished this request: nothing to do. */
  | { readonly kind: 'already-done' }
  /** An earlier worker sent tokens and died: end the request with an error, never a second stream. */
  | { readonly kind: 'interrupted'; readonly claim: GenerationClaim };

export interface GenerationClaim {
  /** Before the first token goes out. */
  started(): Promise<void>;
  /** The stream ended (any outcome that reached the client). */
  finished(): Promise<void>;
  /** Failed before any token: a retry may generate afresh. */
  released(): Promise<void>;
}

const UNGUARDED: GenerationClaim = {
  started: async () => undefined,
  finished: async () => undefined,
  released: async () => undefined,
};

export class GenerationGuard {
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(private readonly options: GenerationGuardOptions) {
    this.leaseMs = options.leaseMs ?? 6_000;
    this.pollMs = options.pollMs ?? 250;
  }

  /** Resolves once this worker may act; waits (abortably) while another worker holds the request. */
  async claim(sessionId: string, requestId: string, signal: AbortSignal): Promise<ClaimOutcome> {
    const owner = randomUUID();
    for (;;) {
      let acquisition;
      try {
        acquisition = await this.options.store.acquire(sessionId, requestId, owner, this.leaseMs);
      } catch (error) {
        this.options.onUnguarded?.(error);
        return { kind: 'generate', claim: UNGUARDED };
      }
      if (acquisition.kind === 'done') return { kind: 'already-done' };
      if (acquisition.kind === 'acquired') {
        const claim = this.heldClaim(sessionId, requestId, owner);
        return acquisition.startedBefore ? { kind: 'interrupted', claim } : { kind: 'generate', claim };
      }
      if (!(await abortableSleep(this.pollMs, signal))) {
        throw signal.reason instanceof Error
          ? signal.reason
          : new KpoError('KPO_CANCELLED', 'stopped waiting for another worker to finish the request', {
              retryable: true,
              context: { requestId, sessionId, stage: 'inference' },
            });
      }
    }
  }

  private heldClaim(sessionId: string, requestId: string, owner: string): GenerationClaim {
    const { store } = this.options;
    const renewal = setInterval(
      () => {
        store
          .renew(sessionId, requestId, owner, this.leaseMs)
          .catch((error: unknown) => this.options.onUnguarded?.(error));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    const quietly = async (operation: () => Promise<void>): Promise<void> => {
      clearInterval(renewal);
      await operation().catch((error: unknown) => this.options.onUnguarded?.(error));
    };
    return {
      started: () =>
        store.markStarted(sessionId, requestId).catch((error: unknown) => this.options.onUnguarded?.(error)),
      finished: () => quietly(() => store.finish(sessionId, requestId, owner)),
      released: () => quietly(() => store.release(sessionId, requestId, owner)),
    };
  }
}
