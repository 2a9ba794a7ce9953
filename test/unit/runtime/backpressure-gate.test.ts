import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackpressureGate } from '../../../shared/runtime/backpressure-gate.ts';

function gate() {
  const events: string[] = [];
  const g = new BackpressureGate(10, 5, {
    pause: (n) => events.push(`pause@${n}`),
    resume: (n) => events.push(`resume@${n}`),
  });
  return { g, events };
}

test('pauses at the high watermark and resumes only at the low watermark', () => {
  const { g, events } = gate();
  g.update(9);
  assert.equal(g.hasRoom(9), true);
  g.update(10);
  assert.equal(g.hasRoom(10), false);
  g.update(7);
  g.update(6);
  assert.equal(g.paused, true);
  g.update(5);
  assert.equal(g.paused, false);
  assert.deepEqual(events, ['pause@10', 'resume@5']);
});

test('hold() pauses for good', () => {
  const { g, events } = gate();
  g.hold(3);
  g.update(0);
  assert.equal(g.paused, true);
  assert.equal(g.hasRoom(0), false);
  assert.deepEqual(events, ['pause@3']);
});
