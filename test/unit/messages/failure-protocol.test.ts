import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientEventForFailure,
  terminalChunkForFailure,
  OUT_OF_BAND_SEQ,
} from '../../../shared/messages/failure-protocol.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { RecordFailure } from '../../../shared/runtime/stage-handler.ts';

function failure(overrides: Partial<RecordFailure> = {}): RecordFailure {
  return {
    stage: 'assemble',
    error: new KpoError('KPO_PROMPT_TOO_LONG', 'the prompt needs 9000 tokens; the budget is 4096'),
    attempts: 1,
    source: { topic: 'llm.rag', partition: 2, offset: '41', timestampMs: 0, key: 's1', headers: {} },
    requestId: 'r1',
    sessionId: 's1',
    outcome: 'failed',
    ...overrides,
  };
}

test('a dead-lettered record becomes an error event that says what was wrong', () => {
  const event = clientEventForFailure(failure(), { nowMs: 5_000, requestCreatedAtMs: 4_000 });
  assert.deepEqual(event, {
    requestId: 'r1',
    sessionId: 's1',
    type: 'error',
    seq: 0,
    text: '',
    usage: null,
    errorCode: 'KPO_PROMPT_TOO_LONG',
    errorMessage: 'the prompt needs 9000 tokens; the budget is 4096',
    timestampMs: 5_000,
    resumes: 0,
    e2eMs: 1_000,
    finishReason: null,
  });
});

test('shed, rejected and cancelled outcomes map to their own terminal types', () => {
  assert.equal(clientEventForFailure(failure({ outcome: 'shed' }))?.type, 'shed');
  assert.equal(clientEventForFailure(failure({ outcome: 'rejected' }))?.type, 'rejected');
  const cancelled = failure({ error: new KpoError('KPO_CANCELLED', 'cancelled by the client') });
  assert.equal(clientEventForFailure(cancelled)?.type, 'cancelled');
  assert.equal(terminalChunkForFailure(cancelled)?.finishReason, 'cancelled');
});

test('a record whose request is unknown gives no event', () => {
  const undecodable = failure({ requestId: undefined, sessionId: undefined });
  assert.equal(clientEventForFailure(undecodable), null);
  assert.equal(terminalChunkForFailure(undecodable), null);
});

test('the out-of-band chunk is final, carries the error and seq -1', () => {
  const chunk = terminalChunkForFailure(failure(), { replyTo: 'mine' });
  assert.equal(chunk?.seq, OUT_OF_BAND_SEQ);
  assert.equal(chunk?.final, true);
  assert.equal(chunk?.replyTo, 'mine');
  assert.deepEqual(chunk?.error, {
    code: 'KPO_PROMPT_TOO_LONG',
    message: 'the prompt needs 9000 tokens; the budget is 4096',
  });
});
