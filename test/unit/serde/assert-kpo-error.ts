import assert from 'node:assert/strict';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { ErrorCode } from '../../../shared/errors/error-codes.ts';

/** Awaits `promise`, asserts it rejects with a KpoError of `code` (and `field`, when given); returns the error. */
export async function rejectsWithKpoError(
  promise: Promise<unknown>,
  code: ErrorCode,
  field?: string,
): Promise<KpoError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof KpoError, `expected a KpoError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (field !== undefined) assert.equal(caught.context.field, field, caught.message);
  return caught;
}
