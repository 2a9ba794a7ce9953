import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixKafkajsIdleTimerLoop } from '../../../shared/kafka/kafkajs/kafkajs-idle-timer-fix.ts';

const require = createRequire(import.meta.url);

interface RequestQueue {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  push(request: { entry: Record<string, unknown>; expectResponse: boolean; sendRequest(): void }): void;
  destroy(): void;
}
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (
  options: object,
) => RequestQueue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const queue = (): RequestQueue =>
  new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: '127.0.0.1:1',
    logger: silent,
  });
const entry = (correlationId: number) => ({ correlationId, apiName: 'Fetch', apiKey: 1, apiVersion: 11 });

test('an idle kafkajs request queue arms no timer (unpatched it re-armed a 1 ms timer after every check)', () => {
  assert.equal(fixKafkajsIdleTimerLoop(), true);
  const idle = queue();
  idle.checkPendingRequests();
  assert.equal(idle.throttleCheckTimeoutId, null);
  idle.destroy();
});

test('a request held back by client-side throttling is still sent once the throttle ends', async () => {
  fixKafkajsIdleTimerLoop();
  const throttled = queue();
  throttled.maybeThrottle(30);
  let sent = 0;
  throttled.push({ entry: entry(1), expectResponse: true, sendRequest: () => (sent += 1) });
  assert.equal(sent, 0, 'throttled: held back');
  assert.notEqual(throttled.throttleCheckTimeoutId, null, 'a check is scheduled for the end of the throttle');
  await sleep(80);
  assert.equal(sent, 1);
  assert.equal(throttled.throttleCheckTimeoutId, null, 'nothing pending any more: no timer left');
  throttled.destroy();
});
