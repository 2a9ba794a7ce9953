/** A way of sending the bench's requests through the pipeline and seeing their outcomes. */
import type { RequestOutcome } from './request-outcome.ts';

export interface BenchPath {
  start(): Promise<void>;
  /** Sends request number `index`; resolves with its outcome when its terminal event arrives. */
  fire(index: number, tag?: string): Promise<RequestOutcome>;
  /** Stops waiting for requests still in flight (after a step's deadline). */
  forgetPending(): void;
  close(): Promise<void>;
}
