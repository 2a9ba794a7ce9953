/**
 * The model call's event queue: an AsyncPushQueue whose `firstReady` settles
 * when the first event (or the end, or a failure) is there — how a caller
 * learns whether a stream started. Stopping the iteration early calls onStop
 * (which aborts the upstream call).
 */
import { AsyncPushQueue } from '../async/async-push-queue.ts';

export class EventChannel<T> extends AsyncPushQueue<T> {
  private settleFirst!: () => void;
  private failFirst!: (error: unknown) => void;
  private started = false;
  readonly firstReady: Promise<void>;

  constructor(onStop: () => void = () => undefined) {
    super(onStop);
    this.firstReady = new Promise<void>((resolve, reject) => {
      this.settleFirst = resolve;
      this.failFirst = reject;
    });
    // A stream that fails before anyone awaits firstReady must not raise an unhandled rejection.
    this.firstReady.catch(() => undefined);
  }

  override push(item: T): void {
    if (this.ended) return;
    super.push(item);
    this.started = true;
    this.settleFirst();
  }

  override end(): void {
    super.end();
    this.settleFirst();
  }

  override fail(error: unknown): void {
    if (this.ended) return;
    super.fail(error);
    if (!this.started) this.failFirst(error);
  }
}
