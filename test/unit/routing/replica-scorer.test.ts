import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseReplica, leastLoaded, type ScoredCandidate } from '../../../shared/routing/replica-scorer.ts';

const settings = { loadPenaltyBlocks: 1, minMatchBlocks: 4, minMatchShare: 0.25, imbalanceThreshold: 8 };

function replica(name: string, matchBlocks: number, load: number, sessionReplica = false): ScoredCandidate {
  return { name, matchBlocks, load, sessionReplica };
}

test('the replica with the longest cached prefix wins when loads are equal', () => {
  const choice = chooseReplica([replica('a', 5, 2), replica('b', 40, 2), replica('c', 12, 2)], settings);
  assert.equal(choice.name, 'b');
  assert.equal(choice.reason, 'prefix_hit');
  assert.equal(choice.matchBlocks, 40);
});

test('the load penalty lets a slightly shorter match on an idle replica beat a busy one', () => {
  const choice = chooseReplica([replica('busy', 20, 6), replica('idle', 18, 0)], settings);
  assert.equal(choice.name, 'idle');
  assert.equal(
    chooseReplica([replica('busy', 20, 6), replica('idle', 18, 0)], { ...settings, loadPenaltyBlocks: 0 })
      .name,
    'busy',
  );
});

test('a match below the minimum is ignored: least loaded, reason no_match', () => {
  const choice = chooseReplica([replica('a', 3, 5), replica('b', 0, 1), replica('c', 2, 4)], settings);
  assert.equal(choice.name, 'b');
  assert.equal(choice.reason, 'no_match');
});

test('a match under minMatchShare of the prompt (a prefix all sessions share) is ignored: least loaded', () => {
  // 40-block prompt: a 8-block shared system prompt on a busy replica does not pull a new session there…
  const shared = chooseReplica([replica('first', 8, 1), replica('other', 0, 0)], settings, 0, 40);
  assert.equal(shared.name, 'other');
  assert.equal(shared.reason, 'no_match');
  // …while a follow-up whose history covers a quarter of the prompt or more stays with its replica.
  const followUp = chooseReplica([replica('mine', 10, 1, true), replica('other', 0, 0)], settings, 0, 40);
  assert.equal(followUp.name, 'mine');
  assert.equal(followUp.reason, 'session_sticky');
  // Unknown prompt length: only minMatchBlocks gates.
  assert.equal(chooseReplica([replica('first', 8, 1), replica('other', 0, 0)], settings).name, 'first');
});

test('no match at all routes least-loaded even with a zero minimum', () => {
  const choice = chooseReplica([replica('a', 0, 3), replica('b', 0, 1)], { ...settings, minMatchBlocks: 0 });
  assert.equal(choice.name, 'b');
  assert.equal(choice.reason, 'no_match');
});

test('when the best replica is loaded past the imbalance threshold the least loaded wins', () => {
  const candidates = [replica('hot', 100, 12), replica('cold', 0, 3)];
  const choice = chooseReplica(candidates, settings);
  assert.equal(choice.name, 'cold');
  assert.equal(choice.reason, 'imbalance_fallback');
  // At exactly the threshold affinity still holds.
  assert.equal(chooseReplica([replica('hot', 100, 11), replica('cold', 0, 3)], settings).name, 'hot');
});

test("the session's own replica wins ties and is reported as session_sticky", () => {
  const choice = chooseReplica([replica('a', 30, 2), replica('b', 30, 2, true)], settings);
  assert.equal(choice.name, 'b');
  assert.equal(choice.reason, 'session_sticky');
});

test('exact ties rotate so equal replicas share the work', () => {
  const candidates = [replica('a', 10, 1), replica('b', 10, 1), replica('c', 10, 1)];
  const picked = new Set([0, 1, 2].map((turn) => chooseReplica(candidates, settings, turn).name));
  assert.deepEqual([...picked].sort(), ['a', 'b', 'c']);
});

test('least loaded prefers the longer match among equally loaded replicas', () => {
  assert.equal(leastLoaded([replica('a', 1, 0), replica('b', 9, 0), replica('c', 20, 4)]).name, 'b');
});

test('refuses an empty candidate list', () => {
  assert.throws(() => chooseReplica([], settings), RangeError);
});
