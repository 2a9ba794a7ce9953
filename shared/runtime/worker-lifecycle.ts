/**
 * The worker's explicit state machine. Allowed transitions:
 *   initialized → starting → running → draining → stopped
 *   starting | running | draining → failed
 */
export type WorkerState = 'initialized' | 'starting' | 'running' | 'draining' | 'stopped' | 'failed';

const ALLOWED: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  initialized: ['starting'],
  starting: ['running', 'failed', 'draining'],
  running: ['draining', 'failed'],
  draining: ['stopped', 'failed'],
  stopped: [],
  failed: [],
};

export class WorkerLifecycle {
  private current: WorkerState = 'initialized';
  private readonly listeners = new Set<(state: WorkerState) => void>();

  get state(): WorkerState {
    return this.current;
  }

  /** Moves to `next`; returns false (and stays) when the transition is not allowed. */
  transition(next: WorkerState): boolean {
    if (!ALLOWED[this.current].includes(next)) return false;
    this.current = next;
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch {
        // listeners must not break the worker
      }
    }
    return true;
  }

  /** Adds a listener; returns its remover. */
  onChange(listener: (state: WorkerState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Alive = not failed (a stopped worker is about to exit anyway). */
  get live(): boolean {
    return this.current !== 'failed';
  }

  /** Ready = taking work. */
  get ready(): boolean {
    return this.current === 'running';
  }
}
