/**
 * Stops kafkajs 2.2.4's idle timer loop (upstream issue 1556, fix proposed in
 * pull request 1667, never released: the library is unmaintained). Every
 * connection's RequestQueue re-arms `setTimeout(check, throttledUntil - now)`
 * after each check even when nothing is pending; throttledUntil is -1, so the
 * delay is negative, i.e. 1 ms: about a thousand timer callbacks per second
 * per broker connection, forever. Measured here: an idle stage worker used
 * 21-26 ms of CPU per second, most of it this loop.
 *
 * The replacement schedules a check only while requests are pending (a
 * throttled or over-limit request): when the throttle ends, or every 10 ms as
 * kafkajs does. Requests held back by the in-flight limit are also checked
 * whenever a response or a timeout frees a slot, as before.
 */
import { createRequire } from 'node:module';

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for a pending request that is not throttled. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const PATCHED_VERSION = '2.2.4';

const require = createRequire(import.meta.url);

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId !== null || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
}

/**
 * Installs the fix once per process. Only on the kafkajs version it was written for: another version's
 * RequestQueue may differ, and is left alone (returns false).
 */
export function fixKafkajsIdleTimerLoop(): boolean {
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== PATCHED_VERSION) return false;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueInternals;
  };
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return true;
}
