import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PrefillLane } from '../../../infra/model-sim/prefill-lane.ts';

describe('simulator prefill lane', () => {
  it('prefills prompts one after another: a second prompt ends its own cost after the first', () => {
    const lane = new PrefillLane(2);
    const before = performance.now();
    const first = lane.reserve(100);
    const second = lane.reserve(30);
    assert.ok(first >= before + 200, 'the first prompt costs 2 ms per token from now');
    assert.equal(second - first, 60, 'the second waits for the first, then costs its own tokens');
  });

  it('an idle lane starts a prompt now, and a fully cached prompt adds nothing', () => {
    const lane = new PrefillLane(2);
    const before = performance.now();
    const end = lane.reserve(0);
    assert.ok(end >= before && end <= performance.now());
  });
});
