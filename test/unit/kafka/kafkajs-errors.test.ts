import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { kafkaError } from '../../../shared/kafka/kafkajs/kafkajs-errors.ts';

test('client errors become KPO_KAFKA KpoErrors that keep the cause, the retriable flag and context', () => {
  const cause = Object.assign(new Error('NOT_LEADER'), { retriable: false });
  const error = kafkaError(cause, 'produce failed', { topic: 't' });
  assert.ok(error instanceof KpoError);
  assert.equal(error.code, 'KPO_KAFKA');
  assert.equal(error.retryable, false);
  assert.equal(error.cause, cause);
  assert.equal(error.context.topic, 't');
});

test('errors without a retriable flag are retryable; KpoErrors pass through unchanged', () => {
  assert.equal(kafkaError(new Error('socket hang up'), 'x').retryable, true);
  const original = new KpoError('KPO_TIMEOUT', 'slow');
  assert.equal(kafkaError(original, 'x'), original);
});
