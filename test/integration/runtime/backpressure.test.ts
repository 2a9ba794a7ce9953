import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import {
  deadLetterJsonCodec,
  testHandler,
  testInputCodec,
  testOutputCodec,
} from '../../fixtures/runtime/test-records.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { collect, createTopics, inputsFor, kafkaClient, produceInputs } from './runtime-test-kit.ts';

const BACKLOG = 20_000;
const QUEUE_DEPTH = 256;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Live heap after a full collection. */
function liveHeapMb(): number {
  gc();
  return process.memoryUsage().heapUsed / 1_048_576;
}

test('a slow handler under a 20k backlog keeps in-flight within queueDepth, pauses and resumes, heap bounded', async (t) => {
  const kafka = kafkaClient();
  const topics = await createTopics(t, kafka, 3);
  await produceInputs(kafka, topics.input, inputsFor(200, BACKLOG / 200));
  let maxInFlight = 0;
  let pauses = 0;
  let resumes = 0;
  const worker = new StageWorker({
    stage: 'backpressure',
    groupId: topics.group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    kafka,
    handler: testHandler({ delayMs: 3 }),
    inputCodec: testInputCodec,
    outputCodec: testOutputCodec,
    deadLetterCodec: deadLetterJsonCodec,
    settings: { concurrency: 32, queueDepth: QUEUE_DEPTH, lowWatermarkRatio: 0.5 },
    instrumentation: {
      onFetched: (_source, inFlight) => {
        maxInFlight = Math.max(maxInFlight, inFlight);
      },
      onPaused: () => {
        pauses += 1;
      },
      onResumed: (_partitions, inFlight) => {
        resumes += 1;
        assert.ok(inFlight <= QUEUE_DEPTH / 2, `resumed above the low watermark (${inFlight})`);
      },
    },
  });
  const outputs = await collect(t, kafka, topics.output);
  const baselineMb = liveHeapMb();
  let maxStatsInFlight = 0;
  const sampler = setInterval(() => {
    maxStatsInFlight = Math.max(maxStatsInFlight, worker.stats().inFlight);
  }, 20);
  t.after(() => clearInterval(sampler));
  await worker.start();
  t.after(() => worker.stop());
  // Mid-run, with ~10k records still waiting on the broker, the live heap holds only the budget.
  await waitFor(() => outputs.records.length >= BACKLOG / 2, { timeoutMs: 60_000, what: 'half the outputs' });
  const midRunMb = liveHeapMb();
  const lagMidRun = worker.stats().lag;
  await waitFor(() => outputs.records.length >= BACKLOG, { timeoutMs: 90_000, what: `${BACKLOG} outputs` });
  clearInterval(sampler);
  await worker.stop();

  assert.ok(maxInFlight <= QUEUE_DEPTH, `in-flight reached ${maxInFlight} > ${QUEUE_DEPTH}`);
  assert.ok(maxStatsInFlight <= QUEUE_DEPTH, `sampled in-flight reached ${maxStatsInFlight}`);
  assert.equal(maxInFlight, QUEUE_DEPTH, 'the budget was never filled: the test did not build backpressure');
  assert.ok(pauses >= 1, 'never paused');
  assert.ok(resumes >= 1, 'never resumed');
  const growthMb = midRunMb - baselineMb;
  assert.ok(lagMidRun > QUEUE_DEPTH, `mid-run lag ${lagMidRun}: the backlog was not on the broker`);
  // The collector keeps ~10k small output copies in this same process; the worker's share is bounded by queueDepth.
  assert.ok(growthMb < 48, `live heap grew by ${growthMb.toFixed(1)} MiB under the backlog`);
  assert.equal(new Set(outputs.records.map((o) => o.identity)).size, BACKLOG);
  t.diagnostic(
    `pauses=${pauses} resumes=${resumes} maxInFlight=${maxInFlight} liveHeapGrowthMidRun=${growthMb.toFixed(1)}MiB lagMidRun=${lagMidRun}`,
  );
});
