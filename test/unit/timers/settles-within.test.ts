import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { settlesWithin } from '../../../shared/timers/settles-within.ts';

test('settlesWithin is true when the work settles in time, fulfilled or rejected', async () => {
  assert.equal(await settlesWithin(sleep(10), 2_000), true);
  assert.equal(await settlesWithin(Promise.reject(new Error('failed, but settled')), 2_000), true);
});

test('settlesWithin is false once ms passed while the work is still pending', async () => {
  const started = Date.now();
  assert.equal(await settlesWithin(new Promise(() => undefined), 50), false);
  assert.ok(Date.now() - started >= 49);
});
