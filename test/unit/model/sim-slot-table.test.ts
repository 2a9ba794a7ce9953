import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SlotTable } from '../../../infra/model-sim/slot-table.ts';

const conversation = 'system: be brief\nuser: tell me about kafka partitions and ordering';

test('a requested slot is the slot that serves the request', () => {
  const slots = new SlotTable(4);
  assert.equal(slots.acquire(2, 'anything').slot, 2);
});

test('any slot (-1): a follow-up that extends a slot’s last prompt goes back to that slot', () => {
  const slots = new SlotTable(3);
  const first = slots.acquire(-1, conversation);
  first.release();
  slots.acquire(-1, 'user: something else entirely').release();
  assert.equal(slots.acquire(-1, `${conversation}\nassistant: ok\nuser: and more?`).slot, first.slot);
});

test('any slot (-1): without a similar prompt the least recently used idle slot is taken', () => {
  const slots = new SlotTable(2);
  const a = slots.acquire(-1, 'user: first');
  const b = slots.acquire(-1, 'user: second');
  assert.notEqual(a.slot, b.slot);
  a.release();
  b.release();
  assert.equal(slots.acquire(-1, 'user: third').slot, a.slot);
});

test('only -1 and existing slot numbers are accepted', () => {
  const slots = new SlotTable(2);
  assert.equal(slots.accepts(-1), true);
  assert.equal(slots.accepts(1), true);
  assert.equal(slots.accepts(2), false);
  assert.equal(slots.accepts(-2), false);
  assert.equal(slots.accepts(0.5), false);
});
