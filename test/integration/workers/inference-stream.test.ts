/**
 * The inference stage on a real broker: 200 concurrent requests (200
 * sessions) stream through a StageWorker to a simulator replica process; a
 * Cancel on the control topic stops one more, long request. Every request
 * ends with exactly one final chunk after contiguous seqs. TTFT and
 * inter-token latency are printed as diagnostics (speed is for benchmarks,
 * never asserted).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spawnSimReplica } from '../../../infra/model-sim/spawn-replica.ts';
import { createKafkaClient } from '../../../shared/kafka/create-kafka-client.ts';
import type { AssembledPrompt, TokenChunk } from '../../../shared/messages/types.ts';
import { StageWorker } from '../../../shared/runtime/stage-worker.ts';
import { createMessageCodecs } from '../../../shared/serde/create-message-codecs.ts';
import { CancelListener } from '../../../workers/inference/cancel-listener.ts';
import { createInferenceStage } from '../../../workers/inference/create-inference-handler.ts';
import { parseInferenceOptions } from '../../../workers/inference/options.ts';
import { serviceEndpoints } from '../../helpers/services.ts';
import { uniqueName } from '../../helpers/unique-name.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { pipelineConfigSchema } from '../../../shared/config/pipeline-config-schema.ts';
import { promptRequest } from '../../unit/workers/message-fixtures.ts';
import { simMetric } from '../model/sim-metrics-reader.ts';

const REQUESTS = 200;
const MAX_TOKENS = 24;

function assembled(requestId: string, sessionId: string, maxTokens: number, model = 'sim'): AssembledPrompt {
  const request = promptRequest({ requestId, sessionId, maxTokens, model, createdAtMs: Date.now() });
  return {
    request,
    messages: request.messages,
    prompt: null,
    tokenCount: 8,
    prefixBlockHashes: [],
    blockSize: 16,
    droppedHistoryTurns: 0,
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

test('the inference worker streams 200 concurrent requests to completion and a Cancel stops a running one', async (t) => {
  const { kafkaBrokers, schemaRegistryUrl } = serviceEndpoints();
  const kafka = createKafkaClient({ brokers: kafkaBrokers, logLevel: 'nothing' });
  const codecs = await createMessageCodecs({ schemaRegistryUrl });
  const base = uniqueName('inf');
  const topics = {
    input: `${base}.assembled`,
    output: `${base}.tokens`,
    cancel: `${base}.cancel`,
    dlq: `${base}.assembled.dlq`,
  };
  const group = `${base}-g`;
  const collector = `${base}-collector`;
  const admin = kafka.createAdmin();
  await admin.connect();
  await admin.createTopics(Object.values(topics).map((topic) => ({ topic, partitions: 4 })));
  const sim = await spawnSimReplica(['--max-concurrent-sequences', '256']);
  // The request to cancel goes to a replica that sends a token a second, so its answer (16..255 tokens) is still
  // streaming when the Cancel arrives, however busy the machine is.
  const slow = await spawnSimReplica(['--inter-token-ms', '1000']);
  t.after(async () => {
    await sim.stop();
    await slow.stop();
    await admin.deleteTopics(Object.values(topics)).catch(() => undefined);
    await admin.deleteGroups([group, collector]).catch(() => undefined);
    await admin.close();
  });

  const config = pipelineConfigSchema.parse({
    models: [
      { name: 'sim', kind: 'openai', url: sim.url, models: ['sim'], maxConcurrent: 256 },
      { name: 'slow', kind: 'openai', url: slow.url, models: ['slow'] },
    ],
  });
  const stage = createInferenceStage(config, parseInferenceOptions({ flushTokens: 8, flushIntervalMs: 50 }));
  const cancels = new CancelListener({
    kafka,
    topic: topics.cancel,
    codec: codecs.cancel,
    cancels: stage.cancels,
  });
  await cancels.start();
  const worker = new StageWorker({
    stage: 'inference',
    groupId: group,
    inputTopic: topics.input,
    outputTopic: topics.output,
    handler: stage.handler,
    inputCodec: codecs.assembledPrompt,
    outputCodec: codecs.tokenChunk,
    deadLetterCodec: codecs.deadLetter,
    kafka,
    settings: { concurrency: 256, queueDepth: 512 },
  });
  t.after(async () => {
    await worker.stop();
    await cancels.close();
  });
  await worker.start();

  const chunks = new Map<string, TokenChunk[]>();
  const consumer = kafka.createConsumer({ groupId: collector, maxWaitTimeMs: 100 });
  t.after(() => consumer.close());
  await consumer.subscribe([topics.output], { fromBeginning: true });
  await consumer.run({
    onBatch: async (batch) => {
      for (const record of batch.records) {
        if (record.value === null) continue;
        const chunk = await codecs.tokenChunk.decode(record.value);
        chunks.set(chunk.requestId, [...(chunks.get(chunk.requestId) ?? []), chunk]);
      }
      return batch.records.length;
    },
  });

  const producer = kafka.createProducer();
  await producer.connect();
  t.after(() => producer.close());
  const inputs = Array.from({ length: REQUESTS }, (_, i) =>
    assembled(`req-${i}`, `${base}-s${i}`, MAX_TOKENS),
  );
  const long = assembled('req-long', `${base}-long`, 100_000, 'slow');
  await producer.send(
    await Promise.all(
      [...inputs, long].map(async (input) => ({
        topic: topics.input,
        key: input.request.sessionId,
        value: await codecs.assembledPrompt.encode(input),
      })),
    ),
  );

  await waitFor(() => (chunks.get('req-long')?.length ?? 0) > 0, {
    timeoutMs: 30_000,
    what: 'the long request to stream',
  });
  await producer.send([
    {
      topic: topics.cancel,
      key: long.request.sessionId,
      value: await codecs.cancel.encode({
        requestId: 'req-long',
        sessionId: long.request.sessionId,
        reason: 'test cancel',
        requestedAtMs: Date.now(),
      }),
    },
  ]);

  const finished = (id: string) => chunks.get(id)?.some((c) => c.final) ?? false;
  await waitFor(() => inputs.every((input) => finished(input.request.requestId)) && finished('req-long'), {
    timeoutMs: 90_000,
    what: 'a final chunk for every request',
  });

  const ttft: number[] = [];
  const itl: number[] = [];
  for (const input of inputs) {
    const stream = [...chunks.get(input.request.requestId)!].sort((a, b) => a.seq - b.seq);
    assert.deepEqual(
      stream.map((c) => c.seq),
      stream.map((_, i) => i),
      'seqs are contiguous from 0',
    );
    assert.equal(stream.filter((c) => c.final).length, 1, 'exactly one final chunk');
    const final = stream.at(-1)!;
    assert.equal(final.final, true);
    assert.equal(final.finishReason, 'length');
    assert.equal(final.usage?.completionTokens, MAX_TOKENS);
    assert.equal(
      stream.reduce((sum, c) => sum + c.tokenCount, 0),
      MAX_TOKENS,
    );
    assert.equal(final.userTurn, input.request.messages.at(-1)?.content);
    ttft.push(final.timings!.ttftMs);
    itl.push(final.timings!.perTokenMs);
  }
  const cancelled = [...chunks.get('req-long')!].sort((a, b) => a.seq - b.seq);
  const cancelledFinal = cancelled.at(-1)!;
  assert.equal(cancelledFinal.finishReason, 'cancelled');
  assert.equal(cancelledFinal.error?.code, 'KPO_CANCELLED');
  assert.equal(cancelled.filter((c) => c.final).length, 1);
  await waitFor(
    async () => (await simMetric(slow.url, 'kpo_sim_requests_total', { outcome: 'cancelled' })) === 1,
    {
      timeoutMs: 5_000,
      what: 'the simulator to see the cancelled request close',
    },
  );
  assert.equal(await simMetric(slow.url, 'kpo_sim_active_sequences'), 0, 'nothing left generating');
  assert.ok(
    stage.pool.snapshot().every((endpoint) => endpoint.inFlight === 0),
    'nothing left in flight',
  );

  t.diagnostic(
    `ttft ms p50 ${percentile(ttft, 50).toFixed(1)} p95 ${percentile(ttft, 95).toFixed(1)} p99 ${percentile(ttft, 99).toFixed(1)}; ` +
      `inter-token ms p50 ${percentile(itl, 50).toFixed(1)} p95 ${percentile(itl, 95).toFixed(1)} p99 ${percentile(itl, 99).toFixed(1)}`,
  );
});
