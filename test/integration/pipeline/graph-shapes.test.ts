/**
 * Graph shapes beyond the default chain, end to end through real Kafka, the
 * schema registry, Redis and the model simulator, each stage its own worker
 * process: a pipeline file that skips rag (assemble reads the prompts topic)
 * and splits inference into two model pools, the pool chosen by the request's
 * `model` (assemble's output routed by `request.model`). One pipeline shows both:
 * a request for each model is answered, by the simulator of its own pool only.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { startLocalPipeline } from '../../../cli/local-pipeline/local-pipeline.ts';
import { simOptionsSchema } from '../../../infra/model-sim/sim-options.ts';
import { startSimServer, type RunningSim } from '../../../infra/model-sim/sim-server.ts';
import type { AdminPort } from '../../../shared/kafka/kafka-port.ts';
import { eventsOf, pipelineClient } from '../../helpers/pipeline-client.ts';
import { testAdmin } from '../../helpers/test-admin.ts';
import { uniqueName } from '../../helpers/unique-name.ts';

const SIM_REQUESTS = /^kpo_sim_requests_total\{[^}]*\}\s+(\S+)$/;

/** Requests a simulator has served so far (its own /metrics). */
async function requestsServed(sim: RunningSim): Promise<number> {
  const response = await fetch(`${sim.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
  assert.ok(response.ok, `${sim.replicaId} /metrics answered ${response.status}`);
  return (await response.text())
    .split('\n')
    .map((line) => SIM_REQUESTS.exec(line))
    .reduce((sum, match) => sum + (match === null ? 0 : Number(match[1])), 0);
}

/** Records written to a topic so far (sum of its partitions' high watermarks). */
async function recordsIn(admin: AdminPort, topic: string): Promise<number> {
  const offsets = await admin.topicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
}

/** No rag node; assemble routes by `model` to one inference node per pool; both pools feed post. */
function twoPoolPipelineFile(
  small: RunningSim,
  large: RunningSim,
): { path: string; stages: string[]; topic: (name: string) => string } {
  const id = uniqueName('graph').replace(/[^a-z0-9-]/g, '');
  const topic = (name: string): string => `${id}.${name}`;
  const document = {
    groupPrefix: id,
    redisKeyPrefix: id,
    topics: {
      partitions: 3,
      prompts: topic('prompts'),
      output: topic('output'),
      cancel: topic('cancel'),
    },
    graph: [
      {
        name: 'assemble',
        input: topic('prompts'),
        output: {
          by: 'request.model',
          routes: { large: topic('assembled.large') },
          default: topic('assembled.small'),
        },
      },
      {
        name: 'inference-small',
        uses: 'inference',
        input: topic('assembled.small'),
        output: topic('tokens.raw'),
      },
      {
        name: 'inference-large',
        uses: 'inference',
        input: topic('assembled.large'),
        output: topic('tokens.raw'),
      },
      { name: 'post', input: topic('tokens.raw'), output: topic('tokens.post') },
      { name: 'stream', input: topic('tokens.post'), output: topic('output') },
    ],
    models: [
      { name: 'pool-small', url: small.url, models: ['small'] },
      { name: 'pool-large', url: large.url, models: ['large'] },
    ],
  };
  const path = join(mkdtempSync(join(tmpdir(), 'kpo-graph-')), 'pipeline.yaml');
  writeFileSync(path, stringify(document));
  return { path, stages: document.graph.map((node) => node.name), topic };
}

test('a graph without rag and with two inference pools chosen by the request model runs end to end', async (t) => {
  const sims = await Promise.all(
    ['sim-small', 'sim-large'].map((replicaId) =>
      startSimServer(simOptionsSchema.parse({ port: 0, replicaId, ttftBaseMs: 2, interTokenMs: 2 })),
    ),
  );
  t.after(() => Promise.all(sims.map((sim) => sim.close())));
  const [small, large] = sims as [RunningSim, RunningSim];
  const { path, stages, topic } = twoPoolPipelineFile(small, large);
  const pipeline = await startLocalPipeline({ model: 'sim', workerEnv: { KPO_CONFIG: path } });
  t.after(() => pipeline.stop());
  assert.deepEqual(
    pipeline.workers.map((worker) => worker.stage),
    stages,
    'one worker process per declared node, no rag',
  );
  const client = await pipelineClient(pipeline.config, 'graph-shapes-client');
  t.after(() => client.close());

  const ask = (model: string) =>
    eventsOf(client, {
      sessionId: uniqueName(model),
      model,
      messages: [{ role: 'user', content: `Which pool answers ${model}?` }],
      maxTokens: 8,
    });
  const [smallAnswer, largeAnswer] = [await ask('small'), await ask('large')];
  for (const [model, events] of [
    ['small', smallAnswer],
    ['large', largeAnswer],
  ] as const) {
    const end = events.at(-1)!;
    assert.equal(end.type, 'done', `${model}: ${end.errorCode} ${end.errorMessage}`);
    assert.ok(
      events.some((event) => event.type === 'token' && event.text.length > 0),
      `${model}: answered with tokens`,
    );
    assert.equal(events.filter((event) => event.type !== 'token').length, 1, `${model}: one terminal event`);
  }
  const admin = await testAdmin(t);
  assert.deepEqual(
    [await recordsIn(admin, topic('assembled.small')), await recordsIn(admin, topic('assembled.large'))],
    [1, 1],
    'assemble routed each request by its model to its own inference node',
  );
  assert.deepEqual(
    [await requestsServed(small), await requestsServed(large)],
    [1, 1],
    'each request reached its own pool’s simulator, and only it',
  );
});
