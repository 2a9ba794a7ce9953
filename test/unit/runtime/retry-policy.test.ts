import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { RetryPolicy } from '../../../shared/runtime/retry-policy.ts';

const settings = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };
const retryable = new KpoError('KPO_MODEL_HTTP', 'x', { retryable: true });

test('non-retryable errors are not retried', () => {
  assert.deepEqual(new RetryPolicy(settings).decide(new KpoError('KPO_HANDLER', 'x'), 1), {
    retry: false,
    exhausted: false,
  });
});

test('retryable errors are retried until maxAttempts, then reported exhausted', () => {
  const policy = new RetryPolicy(settings, () => 0.5);
  assert.equal(policy.decide(retryable, 3).retry, true);
  assert.deepEqual(policy.decide(retryable, 4), { retry: false, exhausted: true });
});

test('backoff is exponential with full jitter and capped by maxDelayMs', () => {
  const top = new RetryPolicy(settings, () => 0.999_999);
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((a) => top.delayFor(retryable, a)),
    [99, 199, 399, 799, 999],
  );
  const bottom = new RetryPolicy(settings, () => 0);
  assert.equal(bottom.delayFor(retryable, 3), 0);
});

test('a retry-after hint is honoured, capped by maxDelayMs', () => {
  const policy = new RetryPolicy(settings, () => 0);
  const hinted = (ms: number) =>
    new KpoError('KPO_MODEL_RATE_LIMITED', 'x', { retryable: true, retryAfterMs: ms });
  assert.equal(policy.delayFor(hinted(300), 1), 300);
  assert.equal(policy.delayFor(hinted(60_000), 1), 1_000);
});
