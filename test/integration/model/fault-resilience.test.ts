/**
 * Resilience against a faulty simulator: 30% of calls fail (10% 500s, 10%
 * 429s with Retry-After, 10% hang after the headers). No call hangs, every
 * request ends with its tokens or a clear KpoError, nothing stays in flight,
 * and a forced outage opens the breakers, which recover once it is over.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compileSimOptions } from '../../../infra/model-sim/sim-options.ts';
import { startSimServer, type RunningSim } from '../../../infra/model-sim/sim-server.ts';
import { KpoError } from '../../../shared/errors/kpo-error.ts';
import { createEndpointPool } from '../../../shared/model/create-model-client.ts';
import type { EndpointPool } from '../../../shared/model/endpoint-pool.ts';
import { compileModelCallOptions } from '../../../shared/model/model-call-options.ts';
import type { CircuitStateName } from '../../../shared/model/resilient-endpoint.ts';
import type { GenerationRequest } from '../../../shared/model/types.ts';
import { waitFor } from '../../helpers/wait-for.ts';
import { simMetric } from './sim-metrics-reader.ts';

type Outcome = { kind: 'tokens'; tokens: number } | { kind: 'error'; code: string };

async function run(pool: EndpointPool, id: number): Promise<Outcome> {
  const request: GenerationRequest = {
    requestId: `fault-${id}`,
    model: 'sim-8b',
    messages: [{ role: 'user', content: `question number ${id}` }],
    params: { maxTokens: 8 },
  };
  try {
    let tokens = 0;
    for await (const event of pool.stream(request, new AbortController().signal)) {
      if (event.type === 'done') tokens = event.usage.completionTokens;
    }
    return { kind: 'tokens', tokens };
  } catch (error) {
    assert.ok(error instanceof KpoError, `every failure is a KpoError, got ${String(error)}`);
    assert.match(error.code, /^KPO_/);
    return { kind: 'error', code: error.code };
  }
}

async function runAll(pool: EndpointPool, ids: readonly number[], concurrency: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) outcomes.push(await run(pool, id));
    }),
  );
  return outcomes;
}

async function setFaults(sims: readonly RunningSim[], faults: Record<string, number>): Promise<void> {
  for (const sim of sims) {
    const response = await fetch(`${sim.url}/admin/faults`, { method: 'POST', body: JSON.stringify(faults) });
    assert.equal(response.status, 200);
  }
}

describe('model endpoints under faults', () => {
  const sims: RunningSim[] = [];
  let pool: EndpointPool;
  const transitions: CircuitStateName[] = [];

  before(async () => {
    for (const seed of [7, 11]) {
      sims.push(
        await startSimServer(
          compileSimOptions(
            {
              port: 0,
              interTokenMs: 2,
              ttftBaseMs: 2,
              faultSeed: seed,
              errorRate: 0.1,
              rateLimitRate: 0.1,
              retryAfterSeconds: 0.05,
              hangRate: 0.1,
            },
            {},
          ),
        ),
      );
    }
    pool = createEndpointPool(
      sims.map((sim, i) => ({
        name: `replica-${i}`,
        kind: 'openai',
        url: sim.url,
        models: [],
        maxConcurrent: 8,
      })),
      compileModelCallOptions({
        // Generous enough that a loaded machine's slow answers are not taken for injected hangs.
        ttftTimeoutMs: 1000,
        totalTimeoutMs: 5000,
        maxAttempts: 3,
        retryInitialDelayMs: 10,
        retryMaxDelayMs: 50,
        breaker: { kind: 'consecutive', consecutiveFailures: 3, halfOpenAfterMs: 300 },
      }),
    );
    for (const endpoint of pool.endpoints) endpoint.onCircuitStateChange((state) => transitions.push(state));
  });

  after(async () => {
    await Promise.all(sims.map((sim) => sim.close()));
  });

  it('at 30% errors, 429s and hangs every request ends with its tokens or a clear error, and nothing stays in flight', async () => {
    const outcomes = await runAll(
      pool,
      Array.from({ length: 60 }, (_, i) => i),
      8,
    );
    assert.equal(outcomes.length, 60);
    const succeeded = outcomes.filter((o) => o.kind === 'tokens');
    assert.ok(succeeded.length > 0, 'some requests get through the faults');
    assert.ok(
      succeeded.every((o) => o.kind === 'tokens' && o.tokens === 8),
      'a request that succeeds has all its tokens',
    );
    for (const outcome of outcomes) {
      if (outcome.kind === 'error') {
        assert.ok(
          [
            'KPO_MODEL_HTTP',
            'KPO_MODEL_RATE_LIMITED',
            'KPO_TIMEOUT',
            'KPO_CIRCUIT_OPEN',
            'KPO_BULKHEAD_FULL',
          ].includes(outcome.code),
          `unexpected code ${outcome.code}`,
        );
      }
    }
    assert.ok(pool.snapshot().every((endpoint) => endpoint.inFlight === 0));
    // Which replica a request reaches depends on timing (breakers open sooner on a loaded machine), so the
    // scenario is checked over both replicas together.
    const hangs = await Promise.all(
      sims.map((sim) => simMetric(sim.url, 'kpo_sim_requests_total', { outcome: 'hang' })),
    );
    assert.ok(hangs.reduce((a, b) => a + b, 0) > 0, 'hangs were injected');
    for (const sim of sims) {
      await waitFor(async () => (await simMetric(sim.url, 'kpo_sim_active_sequences')) === 0, {
        timeoutMs: 5000,
        what: 'no sequence left running on the simulator',
      });
    }
  });

  it('an outage opens every breaker (calls then fail fast with KPO_CIRCUIT_OPEN) and they close again after it', async () => {
    await setFaults(sims, { errorRate: 1, rateLimitRate: 0, hangRate: 0 });
    await waitFor(
      async () => {
        await run(pool, 1000);
        return pool.snapshot().every((endpoint) => endpoint.circuitState === 'open');
      },
      { timeoutMs: 10_000, intervalMs: 0, what: 'both circuits to open' },
    );
    const failFast = await run(pool, 1001);
    assert.deepEqual(failFast, { kind: 'error', code: 'KPO_CIRCUIT_OPEN' });

    await setFaults(sims, { errorRate: 0 });
    await waitFor(
      async () => {
        const outcome = await run(pool, 1002);
        return (
          outcome.kind === 'tokens' && pool.snapshot().every((endpoint) => endpoint.circuitState === 'closed')
        );
      },
      { timeoutMs: 10_000, intervalMs: 50, what: 'both circuits to close after the outage' },
    );
    assert.ok(transitions.includes('open'));
    assert.ok(transitions.includes('half-open'));
    assert.equal(transitions.at(-1), 'closed');
    assert.ok(pool.snapshot().every((endpoint) => endpoint.inFlight === 0));
  });
});

describe('model streams that break', () => {
  let sim: RunningSim;
  before(async () => {
    sim = await startSimServer(compileSimOptions({ port: 0, interTokenMs: 2, ttftBaseMs: 2 }, {}));
  });
  after(async () => {
    await sim.close();
  });

  function poolFor(attempts: number): EndpointPool {
    return createEndpointPool(
      [{ name: 'sim', kind: 'openai', url: sim.url, models: [], maxConcurrent: 4 }],
      compileModelCallOptions({
        ttftTimeoutMs: 200,
        totalTimeoutMs: 2000,
        maxAttempts: attempts,
        retryInitialDelayMs: 1,
      }),
    );
  }

  it('a stream cut after tokens went out is not replayed: the request ends with KPO_MODEL_STREAM', async () => {
    await setFaults([sim], { cutRate: 1, hangRate: 0 });
    const before = await simMetric(sim.url, 'kpo_sim_requests_total');
    const chunks: string[] = [];
    const request: GenerationRequest = {
      requestId: 'cut-1',
      model: 'sim-8b',
      messages: [{ role: 'user', content: 'cut me' }],
      params: { maxTokens: 10 },
    };
    await assert.rejects(
      (async () => {
        for await (const event of poolFor(3).stream(request, new AbortController().signal)) {
          if (event.type === 'chunk') chunks.push(event.text);
        }
      })(),
      (error: unknown) => error instanceof KpoError && error.code === 'KPO_MODEL_STREAM',
    );
    assert.ok(
      chunks.length > 0 && chunks.length < 10,
      `some tokens arrived before the cut (${chunks.length})`,
    );
    assert.equal(
      (await simMetric(sim.url, 'kpo_sim_requests_total')) - before,
      1,
      'one call: no retry after tokens',
    );
  });

  it('a server that hangs after its headers hits the time-to-first-token timeout on every attempt and the connections close', async () => {
    await setFaults([sim], { cutRate: 0, hangRate: 1 });
    const hangsBefore = await simMetric(sim.url, 'kpo_sim_requests_total', { outcome: 'hang' });
    const outcome = await run(poolFor(2), 77);
    assert.deepEqual(outcome, { kind: 'error', code: 'KPO_TIMEOUT' });
    assert.equal((await simMetric(sim.url, 'kpo_sim_requests_total', { outcome: 'hang' })) - hangsBefore, 2);
    await waitFor(async () => (await simMetric(sim.url, 'kpo_sim_open_responses')) <= 1, {
      timeoutMs: 5000,
      what: 'the hung connections to close (the /metrics call itself is the one left)',
    });
    await setFaults([sim], { hangRate: 0 });
  });
});
