import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import type { KafkaClientPort } from '../../../shared/kafka/kafka-port.ts';
import {
  compileStageWorkerOptions,
  type StageWorkerOptions,
} from '../../../shared/runtime/stage-worker-options.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
} from '../../fixtures/runtime/test-records.ts';
import type { TestInput, TestOutput } from '../../fixtures/runtime/test-records.ts';

const base: StageWorkerOptions<TestInput, TestOutput> = {
  stage: 'rag',
  inputTopic: 'llm.prompts',
  outputTopic: 'llm.rag',
  handler: testHandler(),
  inputCodec: testInputCodec,
  outputCodec: testOutputCodec,
  deadLetterCodec: deadLetterJsonCodec,
  kafka: {} as KafkaClientPort,
};

function refused(
  options: Partial<StageWorkerOptions<TestInput, TestOutput>>,
  field: string,
  reason: RegExp,
): void {
  assert.throws(
    () => compileStageWorkerOptions({ ...base, ...options }),
    (e: unknown) =>
      e instanceof KpoError &&
      e.code === 'KPO_CONFIG_INVALID' &&
      e.context.field === field &&
      reason.test(e.message),
  );
}

test('defaults come from the pipeline stage schema and the documented runtime defaults', () => {
  const compiled = compileStageWorkerOptions(base);
  assert.equal(compiled.groupId, 'kpo-rag');
  assert.equal(compiled.deadLetterTopic, 'llm.prompts.dlq');
  assert.equal(compiled.settings.queueDepth, 512);
  assert.equal(compiled.settings.concurrency, 16);
  assert.equal(compiled.lowWatermark, 256);
  assert.equal(compiled.commitIntervalMs, 100);
  assert.ok(Object.isFrozen(compiled));
});

test('the group and the dead-letter suffix can be overridden', () => {
  const compiled = compileStageWorkerOptions({ ...base, groupId: 'custom', deadLetterSuffix: '.dead' });
  assert.equal(compiled.groupId, 'custom');
  assert.equal(compiled.deadLetterTopic, 'llm.prompts.dead');
});

test('contradictions are refused with the reason', () => {
  refused(
    { settings: { heartbeatIntervalMs: 20_000, sessionTimeoutMs: 30_000 } },
    'settings.heartbeatIntervalMs',
    /third/,
  );
  refused({ settings: { concurrency: 64, queueDepth: 32 } }, 'settings.concurrency', /queueDepth/);
  refused(
    { settings: { retry: { baseDelayMs: 500, maxDelayMs: 100 } } },
    'settings.retry.baseDelayMs',
    /maxDelayMs/,
  );
  refused({ outputTopic: 'llm.prompts' }, 'outputTopic', /own output/);
  refused({ outputTopic: 'llm.prompts.dlq' }, 'outputTopic', /dead-letter/);
  refused({ fetchMaxWaitMs: 60_000 }, 'fetchMaxWaitMs', /sessionTimeoutMs/);
  refused({ stage: 'Bad Name' }, 'stage', /lower-case/);
  refused({ settings: { queueDepth: 0 } }, 'settings.queueDepth', /./);
});
