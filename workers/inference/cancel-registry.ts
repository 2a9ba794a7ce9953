/**
 * Which requests run on this worker, with an abort controller each, so a
 * Cancel record can stop one. A cancel for a request that is not running
 * (it already finished, runs elsewhere, or has not arrived yet) is
 * remembered for a while: a prompt that arrives after its cancel starts
 * already cancelled.
 */
import { LRUCache } from 'lru-cache';
import { KpoError } from '../../shared/errors/kpo-error.ts';

export interface TrackedRequest {
  readonly signal: AbortSignal;
  release(): void;
}

export class CancelRegistry {
  private readonly running = new Map<string, AbortController>();
  private readonly remembered: LRUCache<string, string>;

  constructor(options: { readonly maxRemembered: number; readonly rememberMs: number }) {
    this.remembered = new LRUCache<string, string>({ max: options.maxRemembered, ttl: options.rememberMs });
  }

  get size(): number {
    return this.running.size;
  }

  track(requestId: string): TrackedRequest {
    const controller = new AbortController();
    const early = this.remembered.get(requestId);
    if (early !== undefined) controller.abort(cancelError(requestId, early));
    this.running.set(requestId, controller);
    return {
      signal: controller.signal,
      release: () => {
        if (this.running.get(requestId) === controller) this.running.delete(requestId);
      },
    };
  }

  /** Aborts the request if it runs here; remembers the cancel either way. Returns whether it was running. */
  cancel(requestId: string, reason: string): boolean {
    this.remembered.set(requestId, reason);
    const controller = this.running.get(requestId);
    if (controller === undefined) return false;
    controller.abort(cancelError(requestId, reason));
    return true;
  }
}

function cancelError(requestId: string, reason: string): KpoError {
  return new KpoError('KPO_CANCELLED', reason === '' ? 'the request was cancelled' : `cancelled: ${reason}`, {
    context: { requestId, stage: 'inference' },
  });
}
