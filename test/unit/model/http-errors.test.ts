import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { errorFromFailure, errorFromResponse, parseRetryAfter } from '../../../shared/model/http-errors.ts';

describe('model HTTP errors', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter('0.5'), 500);
    const now = Date.parse('2026-12-01T10:00:00Z');
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 10:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  it('turns a 429 into a retryable KPO_MODEL_RATE_LIMITED with the server message and retryAfterMs', async () => {
    const response = new Response(JSON.stringify({ error: { message: 'slow down', type: 'requests' } }), {
      status: 429,
      headers: { 'retry-after': '7' },
    });
    const error = await errorFromResponse(response, 'ep', 'r1');
    assert.equal(error.code, 'KPO_MODEL_RATE_LIMITED');
    assert.equal(error.retryable, true);
    assert.equal(error.retryAfterMs, 7000);
    assert.match(error.message, /slow down/);
    assert.deepEqual(error.context, { endpoint: 'ep', requestId: 'r1' });
  });

  it('reads TGI and vLLM error bodies, and keeps 4xx other than 408/429 non-retryable', async () => {
    const tgi = await errorFromResponse(
      new Response('{"error":"Input validation error","error_type":"validation"}', { status: 422 }),
      'ep',
    );
    assert.match(tgi.message, /Input validation error/);
    assert.equal(tgi.retryable, false);
    const vllm = await errorFromResponse(
      new Response('{"object":"error","message":"overloaded"}', { status: 503 }),
      'ep',
    );
    assert.match(vllm.message, /overloaded/);
    assert.equal(vllm.retryable, true);
  });

  it('an abort with a KpoError reason keeps that error; a plain abort is a cancellation', () => {
    const timeout = new KpoError('KPO_TIMEOUT', 'ttft', { retryable: true });
    const timedOut = new AbortController();
    timedOut.abort(timeout);
    assert.equal(errorFromFailure(new Error('aborted'), timedOut.signal, 'ep'), timeout);
    const cancelled = new AbortController();
    cancelled.abort();
    const error = errorFromFailure(new Error('aborted'), cancelled.signal, 'ep');
    assert.equal(error.code, 'KPO_CANCELLED');
    assert.equal(error.retryable, false);
  });

  it('a connection failure without an abort is a retryable stream error', () => {
    const error = errorFromFailure(new TypeError('fetch failed'), undefined, 'ep');
    assert.equal(error.code, 'KPO_MODEL_STREAM');
    assert.equal(error.retryable, true);
  });
});
