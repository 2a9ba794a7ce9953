/**
 * bench:kv — cache-aware routing against round-robin, least-loaded and
 * session-hash routing, on 4 simulated replicas with prefix caches, on the
 * model client alone with prompts it builds itself (each turn = previous
 * prompt + answer + question). The pipeline's own prompts are measured by
 * bench:kv:pipeline; this one stays for what that one does not cover: a
 * load the pipeline cannot reach on a small machine (200 sessions, 32 in
 * flight, in seconds), least-loaded, the llama.cpp adapter's slot pinning
 * over 4 replicas (--api llamacpp), hint lookup latency, and a second
 * inference worker taking sessions over through Redis while the first
 * still runs (hints_scale_out).
 *
 *   npm run bench:kv -- [--sessions 200] [--turns 5] [--concurrency 32] [--api openai|llamacpp]
 *
 * Every policy runs the same multi-turn workload (seeded text, deterministic
 * answers) through the real model client, from cold replica caches and cold
 * hints. Prints a table, then one JSON line: per policy hit_rate (cached /
 * prompt tokens on follow-up turns, from the servers' usage), ttft_p50_ms,
 * ttft_p99_ms, max_load_ratio. Redis: REDIS_URL or the local stack's.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Command } from 'commander';
import { readStackEndpoints } from '../shared/config/stack-endpoints.ts';
import { createRedisConnection, NEVER_WAIT, redisReadyWithin } from '../shared/redis/redis-connection.ts';
import { RedisKeyNamespace } from '../shared/redis/redis-key-namespace.ts';
import { compileRoutingOptions } from '../shared/routing/routing-options.ts';
import { createSessions, type WorkloadShape } from './kv/chat-workload.ts';
import { buildPolicy, POLICY_NAMES, type PolicyName } from './kv/policies.ts';
import { runPolicy } from './kv/policy-run.ts';
import { percentile, summarize, type PolicySummary } from './kv/policy-summary.ts';
import { startSimReplicas } from './kv/sim-replicas.ts';

const program = new Command('bench:kv')
  .option('--sessions <n>', 'sessions', Number, 200)
  .option('--turns <n>', 'turns per session', Number, 5)
  .option('--concurrency <n>', 'requests in flight', Number, 32)
  .option('--replicas <n>', 'simulated replicas', Number, 4)
  .option('--max-tokens <n>', 'answer length cap', Number, 16)
  .option('--document-words <n>', 'words of each session opening document', Number, 500)
  .option('--question-words <n>', 'words of each question', Number, 15)
  .option('--think-ms <ms>', 'mean think time between a session turns', Number, 1000)
  .option('--api <api>', 'adapter: openai (chat, vLLM-style) or llamacpp (/completion)', 'openai')
  .option('--policies <list>', 'comma-separated policies', POLICY_NAMES.join(','))
  .parse();

const opts = program.opts<{
  sessions: number;
  turns: number;
  concurrency: number;
  replicas: number;
  maxTokens: number;
  documentWords: number;
  questionWords: number;
  thinkMs: number;
  api: string;
  policies: string;
}>();
const api = opts.api === 'llamacpp' ? 'llamacpp' : 'openai';
const policies = opts.policies
  .split(',')
  .filter((p): p is PolicyName => (POLICY_NAMES as readonly string[]).includes(p));
const shape: WorkloadShape = {
  sessions: opts.sessions,
  turns: opts.turns,
  documentWords: opts.documentWords,
  questionWords: opts.questionWords,
};
const redisUrl = process.env['REDIS_URL'] ?? readStackEndpoints()?.redisUrl;
if (redisUrl === undefined) throw new Error('bench:kv needs Redis: set REDIS_URL or start the local stack');

const runId = `kvb-${randomBytes(3).toString('hex')}`;
const routing = compileRoutingOptions({});
const keys = new RedisKeyNamespace();
const redis = createRedisConnection({ url: redisUrl, ...NEVER_WAIT, commandTimeoutMs: 1_000 });
const sims = await startSimReplicas(opts.replicas);
const replicaNames = sims.replicas.map((r) => r.name);
const sessionIds: string[] = [];
const results: Partial<Record<PolicyName, PolicySummary & Record<string, unknown>>> = {};

async function clearReplicaHints(): Promise<void> {
  await redis.del(...replicaNames.flatMap((name) => [keys.replicaBlocks(name), keys.replicaLoad(name)]));
}

try {
  if (!(await redisReadyWithin(redis, 5_000))) throw new Error(`Redis at ${redisUrl} is not reachable`);
  // The routing connection of the bench's hint store uses the production budget.
  const routingRedis = createRedisConnection({ url: redisUrl, ...NEVER_WAIT });
  if (!(await redisReadyWithin(routingRedis, 5_000)))
    throw new Error(`Redis at ${redisUrl} is not reachable`);
  console.log(
    `bench:kv ${runId}: ${opts.replicas} replicas (${api}), ${shape.sessions} sessions × ${shape.turns} turns, ` +
      `concurrency ${opts.concurrency}, answers ≤ ${opts.maxTokens} tokens, think time ~${opts.thinkMs} ms`,
  );
  for (const name of policies) {
    await sims.resetCaches();
    await clearReplicaHints();
    const sessions = createSessions(`${runId}-${name}`, shape);
    sessionIds.push(...sessions.map((s) => s.id));
    const policy = buildPolicy(name, { replicas: sims.replicas, api, redis: routingRedis, keys, routing });
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const started = performance.now();
    const records = await runPolicy(sessions, policy.stream, {
      model: 'sim-8b',
      maxTokens: opts.maxTokens,
      concurrency: opts.concurrency,
      blockSize: 16,
      meanThinkMs: opts.thinkMs,
    });
    policy.close();
    loopDelay.disable();
    const summary = summarize(records, replicaNames, performance.now() - started);
    // The bench's own event-loop delay: on a busy machine it inflates every client-side timing.
    const extra: Record<string, unknown> = {
      loop_delay_p99_ms: Number((loopDelay.percentile(99) / 1e6).toFixed(1)),
    };
    if (policy.counters.size > 0) {
      extra['lookup_p50_ms'] = Number(percentile(policy.lookupMs, 50).toFixed(2));
      extra['lookup_p99_ms'] = Number(percentile(policy.lookupMs, 99).toFixed(2));
      for (const [worker, counters] of policy.counters) {
        extra[`reasons_${worker}`] = Object.fromEntries(
          Object.entries(counters.reasons).filter(([, n]) => n > 0),
        );
        extra[`store_failures_${worker}`] = counters.storeFailures.lookup + counters.storeFailures.write;
      }
    }
    results[name] = { ...summary, ...extra };
    console.log(
      `${name.padEnd(16)} hit_rate ${summary.hit_rate.toFixed(3)}  ttft p50 ${summary.ttft_p50_ms} ms  p99 ${summary.ttft_p99_ms} ms  ` +
        `follow-up p50 ${summary.followup_ttft_p50_ms} ms  max/mean load ${summary.max_load_ratio}  ` +
        `failed ${summary.failed}/${summary.requests}  ${summary.wall_s} s  per replica ${JSON.stringify(summary.requests_per_replica)}` +
        `  ${JSON.stringify(extra)}`,
    );
  }
  routingRedis.disconnect();
} finally {
  await sims.stop();
  for (let i = 0; i < sessionIds.length; i += 500) {
    await redis
      .del(...sessionIds.slice(i, i + 500).map((id) => keys.routedSession(id)))
      .catch(() => undefined);
  }
  await clearReplicaHints().catch(() => undefined);
  redis.disconnect();
}

const rr = results.round_robin;
const hints = results.hints;
const scaleOut = results.hints_scale_out;
const targets = {
  hints_hit_rate_ge_0_9: hints === undefined ? null : hints.hit_rate >= 0.9,
  hints_ttft_p50_le_half_rr:
    hints === undefined || rr === undefined ? null : hints.ttft_p50_ms <= rr.ttft_p50_ms / 2,
  hints_max_load_ratio_le_1_5: hints === undefined ? null : hints.max_load_ratio <= 1.5,
  scale_out_hit_rate_ge_0_85: scaleOut === undefined ? null : scaleOut.hit_rate >= 0.85,
};
console.log(`targets: ${JSON.stringify(targets)}`);
const compact = Object.fromEntries(
  Object.entries(results).map(([name, s]) => [
    name,
    {
      hit_rate: s.hit_rate,
      ttft_p50_ms: s.ttft_p50_ms,
      ttft_p99_ms: s.ttft_p99_ms,
      followup_ttft_p50_ms: s.followup_ttft_p50_ms,
      max_load_ratio: s.max_load_ratio,
      failed: s.failed,
      requests: s.requests,
      loop_delay_p99_ms: s['loop_delay_p99_ms'],
    },
  ]),
);
console.log(JSON.stringify({ ...compact, targets }));
