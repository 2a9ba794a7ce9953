/**
 * A short `npm run chaos` (bench/chaos) in the suite: two worker processes per stage, a random worker
 * SIGKILLed every few seconds and restarted, model-server faults and garbage in every topic, requests from
 * several producers on different partitions — judged on the raw output topic. The broker and Redis are not
 * restarted here: the suite's services are shared by other test files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from '../../../bench/chaos/chaos-run.ts';

test(
  'under worker kills, faults and garbage no request is lost, ends twice, skips a seq or splices two answers',
  { timeout: 300_000 },
  async (t) => {
    const figures = await runChaos({
      durationMs: 16_000,
      rate: 4,
      clients: 3,
      killEveryMs: 3_000,
      prompts: 8,
      maxTokens: 24,
      drainTimeoutMs: 60_000,
      restartServices: false,
      log: () => undefined,
    });
    const summary = JSON.stringify(figures);
    t.diagnostic(summary);
    assert.ok(figures.requests >= 40, `too few requests to judge: ${summary}`);
    assert.ok(figures.kills >= 3, `too few kills: ${summary}`);
    assert.equal(figures.lost, 0, summary);
    assert.equal(figures.multi_terminal, 0, summary);
    assert.equal(figures.seq_gaps, 0, summary);
    assert.equal(figures.splices, 0, summary);
  },
);
