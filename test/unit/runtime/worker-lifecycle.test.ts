import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerLifecycle } from '../../../shared/runtime/worker-lifecycle.ts';

test('moves initialized → starting → running → draining → stopped and reports each state', () => {
  const lifecycle = new WorkerLifecycle();
  const seen: string[] = [];
  lifecycle.onChange((s) => seen.push(s));
  for (const s of ['starting', 'running', 'draining', 'stopped'] as const)
    assert.equal(lifecycle.transition(s), true);
  assert.deepEqual(seen, ['starting', 'running', 'draining', 'stopped']);
  assert.equal(lifecycle.ready, false);
});

test('refuses transitions that skip or go back, and nothing leaves stopped or failed', () => {
  const lifecycle = new WorkerLifecycle();
  assert.equal(lifecycle.transition('running'), false);
  lifecycle.transition('starting');
  lifecycle.transition('failed');
  assert.equal(lifecycle.transition('running'), false);
  assert.equal(lifecycle.live, false);
});

test('ready only while running', () => {
  const lifecycle = new WorkerLifecycle();
  lifecycle.transition('starting');
  assert.equal(lifecycle.ready, false);
  lifecycle.transition('running');
  assert.equal(lifecycle.ready, true);
  lifecycle.transition('draining');
  assert.equal(lifecycle.ready, false);
  assert.equal(lifecycle.live, true);
});
