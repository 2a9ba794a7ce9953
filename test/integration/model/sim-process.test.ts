/** The simulator as its own processes: two replicas on different ports, health, metrics and runtime faults. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnSimReplica, type SimReplica } from '../../../infra/model-sim/spawn-replica.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { collectGeneration } from '../../helpers/collect-generation.ts';
import { OpenAiCompatibleClient } from '../../../shared/model/openai-client.ts';
import type { GenerationRequest } from '../../../shared/model/types.ts';
import { simMetric } from './sim-metrics-reader.ts';

const request: GenerationRequest = {
  requestId: 'proc-1',
  model: 'sim-8b',
  messages: [{ role: 'user', content: 'hello replicas' }],
  params: { maxTokens: 4 },
};

describe('simulator replicas as processes', () => {
  const replicas: SimReplica[] = [];
  before(async () => {
    replicas.push(await spawnSimReplica(['--replica-id', 'r1', '--inter-token-ms', '1']));
    replicas.push(await spawnSimReplica(['--replica-id', 'r2', '--inter-token-ms', '1']));
  });
  after(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
  });

  it('runs each replica on its own port with its own health and metrics', async () => {
    const [r1, r2] = replicas;
    assert.ok(r1 && r2);
    assert.notEqual(r1.url, r2.url);
    for (const [replica, id] of [
      [r1, 'r1'],
      [r2, 'r2'],
    ] as const) {
      const health = (await (await fetch(`${replica.url}/health`)).json()) as {
        status: string;
        replica: string;
      };
      assert.deepEqual(health, { status: 'ok', replica: id });
    }
    const answer = await collectGeneration(
      new OpenAiCompatibleClient({ name: 'r1', baseUrl: r1.url }),
      request,
    );
    assert.equal(answer.usage.completionTokens, 4);
    assert.equal(await simMetric(r1.url, 'kpo_sim_generated_tokens_total', { replica: 'r1' }), 4);
    assert.equal(await simMetric(r2.url, 'kpo_sim_generated_tokens_total', { replica: 'r2' }), 0);
  });

  it('takes fault knobs at runtime: a replica switched to 100% 429s answers with Retry-After', async () => {
    const replica = replicas[1]!;
    const set = await fetch(`${replica.url}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimitRate: 1, retryAfterSeconds: 3 }),
    });
    assert.equal(((await set.json()) as { rateLimitRate: number }).rateLimitRate, 1);
    await assert.rejects(
      collectGeneration(new OpenAiCompatibleClient({ name: 'r2', baseUrl: replica.url }), request),
      (error: unknown) =>
        error instanceof KpoError && error.code === 'KPO_MODEL_RATE_LIMITED' && error.retryAfterMs === 3000,
    );
    await fetch(`${replica.url}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ rateLimitRate: 0 }),
    });
    const answer = await collectGeneration(
      new OpenAiCompatibleClient({ name: 'r2', baseUrl: replica.url }),
      request,
    );
    assert.equal(answer.finishReason, 'length');
  });

  it('refuses invalid fault knobs with a 400', async () => {
    const response = await fetch(`${replicas[0]!.url}/admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 2 }),
    });
    assert.equal(response.status, 400);
  });
});
