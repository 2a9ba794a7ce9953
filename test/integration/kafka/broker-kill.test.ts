/**
 * The five-stage pipeline on a 3-broker cluster of its own (`stack up --brokers 3`: replication factor 3,
 * min.insync.replicas 2, acks=all producers) while one broker is SIGKILLed mid-run and later started again
 * (bench/chaos broker mode): no request is lost or ends twice, answers match the crash-free reference, and
 * requests keep ending while the broker is down. The registry and Redis are the suite's; only Kafka is its own.
 * Takes about 4 minutes (3.8 on a busy 2-core machine): the cluster's start, a 45 s run, the drain.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runChaos } from '../../../bench/chaos/chaos-run.ts';
import { stackDown, stackUp } from '../../../infra/stack/local-stack.ts';
import { stackHome } from '../../../shared/config/stack-endpoints.ts';
import { freePortRange } from '../../helpers/free-port.ts';

/** A stack home of its own whose 3 nodes use 6 consecutive free ports (client = controller - 1, +2 per node). */
async function threeBrokerStackEnv(): Promise<NodeJS.ProcessEnv> {
  const first = await freePortRange(6);
  return {
    ...process.env,
    KPO_HOME: mkdtempSync(join(tmpdir(), 'kpo-3-brokers-')),
    KPO_DIST: join(stackHome(), 'dist'),
    KPO_KAFKA_PORT: String(first),
    KPO_KAFKA_CONTROLLER_PORT: String(first + 1),
  };
}

test(
  'a broker of three SIGKILLed mid-run and restarted: no request lost or ended twice, requests end while it is down',
  { timeout: 420_000 },
  async (t) => {
    const stackEnv = await threeBrokerStackEnv();
    t.after(() => stackDown(() => undefined, stackEnv));
    const up = await stackUp(() => undefined, { brokers: 3, env: stackEnv, only: ['kafka'] });
    t.diagnostic(`3-broker cluster ready in ${up.readyMs} ms`);

    const figures = await runChaos({
      mode: 'broker',
      stackEnv,
      durationMs: 45_000,
      rate: 3,
      clients: 2,
      killEveryMs: 0,
      prompts: 8,
      maxTokens: 16,
      drainTimeoutMs: 150_000,
      workersPerStage: 1,
      log: (line) => t.diagnostic(line),
    });
    const summary = JSON.stringify(figures);
    t.diagnostic(summary);
    // 3 req/s for 45 s is 135; a busy machine sends fewer.
    assert.ok(figures.requests >= 90, `too few requests to judge: ${summary}`);
    assert.equal(figures.lost, 0, summary);
    assert.equal(figures.duplicate_events, 0, summary);
    assert.equal(figures.multi_terminal, 0, summary);
    assert.equal(figures.seq_gaps, 0, summary);
    assert.equal(figures.splices, 0, summary);
    assert.ok(
      (figures.done_while_broker_down ?? 0) > 0,
      `nothing ended while the broker was down: ${summary}`,
    );
    assert.equal(typeof figures.broker_back_s, 'number', `the killed broker did not come back: ${summary}`);
  },
);
