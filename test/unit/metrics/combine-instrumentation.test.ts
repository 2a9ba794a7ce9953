import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineInstrumentation } from '../../../shared/metrics/combine-instrumentation.ts';
import type { SourceRecord } from '../../../shared/runtime/stage-handler.ts';
import type { WorkerInstrumentation } from '../../../shared/runtime/worker-instrumentation.ts';

const source: SourceRecord = {
  topic: 't',
  partition: 0,
  offset: '0',
  timestampMs: 0,
  key: null,
  headers: {},
};

test('every hook reaches every part in order, even after a part throws', () => {
  const calls: string[] = [];
  const combined = combineInstrumentation(
    {
      onOutput: (topic) => {
        calls.push(`a:${topic}`);
        throw new Error('a broke');
      },
    },
    {},
    { onOutput: (topic) => calls.push(`c:${topic}`), onStateChange: (s) => calls.push(`c:${s}`) },
  );
  combined.onOutput?.('out');
  combined.onStateChange?.('running');
  assert.deepEqual(calls, ['a:out', 'c:out', 'c:running']);
  assert.ok(!('onLag' in combined), 'hooks no part has stay absent');
});

test('aroundHandler wrappers nest, the first outermost, run() runs once and outgoing headers merge', async () => {
  const order: string[] = [];
  const wrapper = (name: string, header: string): WorkerInstrumentation => ({
    async aroundHandler(_source, run) {
      order.push(`${name}:enter`);
      try {
        return await run(() => ({ [header]: name }));
      } finally {
        order.push(`${name}:exit`);
      }
    },
  });
  const combined = combineInstrumentation(wrapper('tracing', 'traceparent'), {}, wrapper('probe', 'x-probe'));
  let runs = 0;
  const headers = await combined.aroundHandler!(source, async (outgoing) => {
    runs += 1;
    order.push('handler');
    return outgoing();
  });
  assert.equal(runs, 1);
  assert.deepEqual(order, ['tracing:enter', 'probe:enter', 'handler', 'probe:exit', 'tracing:exit']);
  assert.deepEqual(headers, { traceparent: 'tracing', 'x-probe': 'probe' });
});

test('with no aroundHandler among the parts the combination has none', () => {
  assert.ok(!('aroundHandler' in combineInstrumentation({ onOutput: () => undefined })));
});
