import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { withinBudget } from '../../../shared/routing/within-budget.ts';

test('withinBudget passes the value or the failure of work that settles in time', async () => {
  assert.equal(await withinBudget(sleep(10, 'hint'), 2_000), 'hint');
  await assert.rejects(withinBudget(Promise.reject(new Error('redis down')), 2_000), /redis down/);
});

test('withinBudget rejects with the budget once ms passed and the work is still pending', async () => {
  await assert.rejects(withinBudget(new Promise(() => undefined), 30), /passed its 30 ms budget/);
});

test('a reply that arrived while the event loop was busy past the budget still counts', async () => {
  // The timer and the reply are both due when a blocked loop wakes: the reply's I/O callback (here an
  // immediate queued before the timer's) is delivered before the budget gives up.
  const reply = new Promise<string>((resolve) => setTimeout(() => setImmediate(() => resolve('late')), 5));
  const answer = withinBudget(reply, 10);
  const until = Date.now() + 40;
  while (Date.now() < until); // busy past both
  assert.equal(await answer, 'late');
});
