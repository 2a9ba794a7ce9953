/**
 * The retry options of every kafkajs consumer. After a crash kafkajs restarts
 * the consumer on a timer, and its crash handler can set that timer after a
 * close() already cleared it: the consumer comes back after it was closed,
 * keeps running and keeps the process alive. A closed consumer is never
 * restarted. `retries: 5` is kafkajs' own consumer default, which a retry
 * object of ours would otherwise replace with the client's.
 */
import type { RetryOptions } from 'kafkajs';

export function consumerRetry(isClosed: () => boolean): RetryOptions {
  return { retries: 5, restartOnFailure: () => Promise.resolve(!isClosed()) };
}
