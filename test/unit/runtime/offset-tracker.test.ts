import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { OffsetTracker } from '../../../shared/runtime/offset-tracker.ts';

test('the commit position is the oldest unfinished offset, whatever order records finish in', () => {
  const tracker = new OffsetTracker();
  const handles = [0, 1, 2, 3].map((o) => tracker.track('t', 0, String(o)));
  assert.equal(tracker.inFlight, 4);
  assert.equal(tracker.complete(handles[2]!), 0);
  assert.deepEqual(tracker.commitPositions(), []);
  assert.equal(tracker.complete(handles[0]!), 1);
  assert.deepEqual(tracker.commitPositions(), [{ topic: 't', partition: 0, offset: '1' }]);
  assert.equal(tracker.complete(handles[1]!), 2);
  assert.deepEqual(tracker.commitPositions(), [{ topic: 't', partition: 0, offset: '3' }]);
  assert.equal(tracker.inFlight, 1);
});

test('offset gaps (compaction, control records) do not stall the commit position', () => {
  const tracker = new OffsetTracker();
  const a = tracker.track('t', 0, '10');
  const b = tracker.track('t', 0, '15');
  tracker.complete(b);
  tracker.complete(a);
  assert.deepEqual(tracker.commitPositions(), [{ topic: 't', partition: 0, offset: '16' }]);
});

test('a committed position is not offered again until it moves', () => {
  const tracker = new OffsetTracker();
  tracker.complete(tracker.track('t', 1, '0'));
  const [position] = tracker.commitPositions();
  tracker.markCommitted(position!);
  assert.deepEqual(tracker.commitPositions(), []);
  tracker.complete(tracker.track('t', 1, '1'));
  assert.deepEqual(tracker.commitPositions(), [{ topic: 't', partition: 1, offset: '2' }]);
});

test('re-delivered offsets are recognised as already taken', () => {
  const tracker = new OffsetTracker();
  tracker.track('t', 0, '5');
  assert.equal(tracker.isTaken('t', 0, '5'), true);
  assert.equal(tracker.isTaken('t', 0, '4'), true);
  assert.equal(tracker.isTaken('t', 0, '6'), false);
  assert.equal(tracker.isTaken('t', 1, '0'), false);
});

test('dropping a revoked partition frees its budget and makes its handles inert', () => {
  const tracker = new OffsetTracker();
  const kept = tracker.track('t', 0, '0');
  const lost = tracker.track('t', 1, '0');
  tracker.track('t', 1, '1');
  assert.equal(tracker.drop([{ topic: 't', partition: 1 }]), 2);
  assert.equal(tracker.inFlight, 1);
  assert.equal(lost.active, false);
  assert.equal(tracker.complete(lost), 0);
  tracker.complete(kept);
  assert.deepEqual(tracker.commitPositions(), [{ topic: 't', partition: 0, offset: '1' }]);
  // Re-assigned later: a fresh start, the old handle cannot complete the new entry.
  const again = tracker.track('t', 1, '0');
  tracker.complete(lost);
  assert.equal(again.active, true);
  assert.equal(tracker.pendingOf('t', 1), 1);
});

test('property: the commit position never passes an unfinished record and reaches the end when all finish', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 60 }),
      fc.infiniteStream(fc.nat()),
      (gaps, picks) => {
        const tracker = new OffsetTracker();
        let offset = 0;
        const open = gaps.map((gap) => {
          offset += gap + 1;
          return tracker.track('t', 0, String(offset));
        });
        const unfinished = new Set(open.map((h) => Number(h.offset)));
        const order = [...open];
        const it = picks[Symbol.iterator]();
        while (order.length > 0) {
          const [handle] = order.splice(it.next().value % order.length, 1);
          tracker.complete(handle!);
          unfinished.delete(Number(handle!.offset));
          const position = tracker.commitPositions()[0];
          if (position) {
            const min = Math.min(...unfinished);
            assert.ok(unfinished.size === 0 || Number(position.offset) <= min);
          }
        }
        assert.equal(tracker.inFlight, 0);
        assert.equal(tracker.commitPositions()[0]?.offset, String(offset + 1));
      },
    ),
  );
});
