import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../../shared/errors/kpo-error.ts';
import { CancelRegistry } from '../../../../workers/inference/cancel-registry.ts';

describe('CancelRegistry', () => {
  it('aborts a running request with a KPO_CANCELLED reason', () => {
    const registry = new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 });
    const tracked = registry.track('r1');
    assert.equal(registry.cancel('r1', 'stop'), true);
    assert.ok(tracked.signal.reason instanceof KpoError);
    assert.equal(tracked.signal.reason.code, 'KPO_CANCELLED');
  });

  it('remembers a cancel for a request that has not started, which then starts cancelled', () => {
    const registry = new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 });
    assert.equal(registry.cancel('r2', ''), false);
    assert.equal(registry.track('r2').signal.aborted, true);
  });

  it('forgets a request once released', () => {
    const registry = new CancelRegistry({ maxRemembered: 10, rememberMs: 60_000 });
    registry.track('r3').release();
    assert.equal(registry.size, 0);
    assert.equal(registry.cancel('r3', ''), false);
  });
});
