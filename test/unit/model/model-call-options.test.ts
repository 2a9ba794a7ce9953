import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { compileMicroBatchOptions } from '../../../shared/model/micro-batch-options.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';

const invalid = (error: unknown) => error instanceof KpoError && error.code === 'KPO_CONFIG_INVALID';

describe('model call and micro-batch options', () => {
  it('fills in documented defaults and freezes the result', () => {
    const options = compileModelCallOptions();
    assert.equal(options.maxAttempts, 3);
    assert.equal(options.breaker.kind, 'consecutive');
    assert.ok(Object.isFrozen(options) && Object.isFrozen(options.breaker));
    assert.deepEqual(compileMicroBatchOptions(), { maxBatchSize: 8, maxWaitMs: 10, maxBatchTokens: 32_768 });
  });

  it('refuses a time-to-first-token timeout longer than the total timeout', () => {
    assert.throws(() => compileModelCallOptions({ ttftTimeoutMs: 5000, totalTimeoutMs: 1000 }), invalid);
  });

  it('refuses a breaker that needs more calls than its window holds', () => {
    assert.throws(
      () => compileModelCallOptions({ breaker: { kind: 'rate', windowSize: 5, minimumCalls: 10 } }),
      invalid,
    );
  });

  it('refuses unknown fields and a zero batch size', () => {
    assert.throws(() => compileModelCallOptions({ retries: 3 } as never), invalid);
    assert.throws(() => compileMicroBatchOptions({ maxBatchSize: 0 }), invalid);
  });
});
