/**
 * bench:kv:pipeline — multi-turn prefix-cache reuse through the real pipeline.
 *
 *   npm run bench:kv:pipeline -- [--sessions 24] [--turns 4] [--max-tokens 32] [--think-ms 400]
 *
 * All five stages as their own processes (startLocalPipeline, the `npm start`
 * code path) with retrieval on and history in Redis, over 4 simulator
 * replicas started by the bench (the simulator's defaults, but a prefix cache
 * of --cache-blocks: each replica holds about a quarter of the run's
 * conversations, as real replicas hold far fewer sessions than they serve).
 * Sessions run concurrently, each turn sending only its new question. Phases,
 * each from cold replica caches and cold routing hints, in one run:
 *
 *   hints, session_hash, round_robin       — steady, 4 replicas;
 *   replica_added   (hints, session_hash)  — a 5th replica joins at half-time;
 *   replica_removed (hints, session_hash)  — one of the 4 leaves at half-time.
 *
 * A policy change is a new inference worker with its own pipeline file that
 * takes over from the old one (Kafka rebalance); hints live in Redis.
 * Cached/prompt tokens are the servers' (usage.prompt_tokens_details.cached_tokens,
 * carried by the done event); TTFT is produce → first token event, model
 * TTFT the inference stage's model call → first token. Scale phases stop
 * every session at half-time, make the change, and report the turns after
 * it. Prints a table, then one JSON line.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { startLocalPipeline, type LocalPipeline } from '../cli/local-pipeline/local-pipeline.ts';
import { stackHome } from '../shared/config/stack-endpoints.ts';
import { createKafkaClient } from '../shared/kafka/create-kafka-client.ts';
import { createRedisConnection } from '../shared/redis/redis-connection.ts';
import { createMessageCodecs } from '../shared/serde/create-message-codecs.ts';
import { startSimReplicas, type SimReplica } from './kv/sim-replicas.ts';
import { createBenchSessions } from './kv-pipeline/chat-sessions.ts';
import { InferenceSwap } from './kv-pipeline/inference-swap.ts';
import { phaseFigures, type PhaseFigures } from './kv-pipeline/phase-figures.ts';
import { pipelineFiles, ROUTING_POLICIES, type RoutingPolicy } from './kv-pipeline/pipeline-files.ts';
import { replicaRequests, requestsBetween } from './kv-pipeline/replica-requests.ts';
import { runSessions } from './kv-pipeline/session-run.ts';
import { TurnClient } from './kv-pipeline/turn-client.ts';

const opts = new Command('bench:kv:pipeline')
  .option('--sessions <n>', 'sessions per phase', Number, 24)
  .option('--turns <n>', 'turns per session', Number, 4)
  .option('--max-tokens <n>', 'answer length cap', Number, 32)
  .option('--think-ms <ms>', 'mean think time between a session turns', Number, 400)
  .option(
    '--cache-blocks <n>',
    'prefix-cache blocks of each replica (16 tokens each): about a quarter of what all sessions need',
    Number,
    1_024,
  )
  .option('--prefill-ms-per-token <ms>', 'simulated prefill time per uncached prompt token', Number, 0.2)
  .option('--no-scale', 'skip the replica added / removed phases')
  .parse()
  .opts<{
    sessions: number;
    turns: number;
    maxTokens: number;
    thinkMs: number;
    cacheBlocks: number;
    prefillMsPerToken: number;
    scale: boolean;
  }>();

const runId = `kvb${randomBytes(3).toString('hex')}`;
// The simulator renders chat as "role: content" lines: hashes describe that text.
const files = pipelineFiles(runId, { chatTemplate: 'simulator' });
const log = (line: string): void => console.log(line);
const sims = await startSimReplicas(5, 'replica', [
  '--cache-capacity-blocks',
  String(opts.cacheBlocks),
  '--prefill-ms-per-token',
  String(opts.prefillMsPerToken),
]);
const four = sims.replicas.slice(0, 4);
const extra = sims.replicas[4]!;
let pipeline: LocalPipeline | undefined;
let client: TurnClient | undefined;
const steady: Partial<Record<RoutingPolicy, PhaseFigures>> = {};
const scaled: Record<'replica_added' | 'replica_removed', Partial<Record<RoutingPolicy, PhaseFigures>>> = {
  replica_added: {},
  replica_removed: {},
};
let phase = 0;

function show(name: string, f: PhaseFigures): void {
  log(
    `${name.padEnd(30)} follow-up hit ${f.followup_hit_rate.toFixed(3)}  ideal ${f.ideal_hit_rate.toFixed(3)}  ` +
      `share ${f.share_of_ideal.toFixed(3)}  ttft p50 ${f.followup_ttft_p50_ms} ms p99 ${f.followup_ttft_p99_ms} ms  ` +
      `model ttft p50 ${f.followup_model_ttft_p50_ms} ms p99 ${f.followup_model_ttft_p99_ms} ms  ` +
      `max/mean ${f.max_load_ratio}  per turn ${JSON.stringify(f.per_turn)}  ` +
      `failed ${f.failed}/${f.requests}  replicas ${JSON.stringify(f.requests_per_replica)}`,
  );
}

try {
  const initial = files.write('hints', four, 'p0');
  pipeline = await startLocalPipeline({
    model: 'sim',
    workerEnv: { KPO_CONFIG: initial },
    logDir: join(stackHome(), 'logs', runId),
    log: (line) => log(`  ${line}`),
  });
  const { config } = pipeline;
  const kafka = createKafkaClient({
    brokers: config.endpoints.kafkaBrokers ?? [],
    clientId: runId,
    client: config.kafka.client,
  });
  const codecs = await createMessageCodecs({ schemaRegistryUrl: config.endpoints.schemaRegistryUrl });
  client = new TurnClient(kafka, codecs, config.topics);
  await client.start();
  const swap = new InferenceSwap(
    pipeline,
    pipeline.workers.find((w) => w.stage === 'inference'),
  );
  const settings = { maxTokens: opts.maxTokens, meanThinkMs: opts.thinkMs, turnTimeoutMs: 120_000 };
  log(
    `bench:kv:pipeline ${runId}: 5 stages, ${four.length} replicas, ${opts.sessions} sessions × ${opts.turns} turns, ` +
      `answers ≤ ${opts.maxTokens} tokens, think ~${opts.thinkMs} ms, replica cache ${opts.cacheBlocks} blocks, ` +
      `prefill ${opts.prefillMsPerToken} ms/token`,
  );

  /** One phase: the policy's worker takes over, a warm-up turn proves the pipeline flows, caches are emptied. */
  const runPhase = async (
    name: string,
    policy: RoutingPolicy,
    change?: { replicas: readonly SimReplica[] },
  ): Promise<PhaseFigures> => {
    const hints = `p${++phase}`;
    await swap.to(files.write(policy, four, hints));
    const warm = await client!.turn(`${runId}-warm-${phase}`, 'What is a consumer group?', {
      maxTokens: 4,
      timeoutMs: 120_000,
    });
    if (warm.terminal !== 'done') throw new Error(`warm-up turn of ${name} ended ${warm.errorCode}`);
    await sims.resetCaches();
    const sessions = createBenchSessions(`${runId}-${name}`, opts.sessions, opts.turns);
    const before = await replicaRequests(sims.replicas);
    const records = await runSessions(client!, sessions, {
      ...settings,
      ...(change === undefined ? {} : { midRun: () => swap.to(files.write(policy, change.replicas, hints)) }),
    });
    const after = await replicaRequests(sims.replicas);
    await sleep(1_000); // the last final chunks on the raw tokens topic
    for (const record of records) record.modelTtftMs = client!.modelTtftMs(record.requestId);
    const serving = (change?.replicas ?? four).map((r) => r.name);
    const figures = phaseFigures(records, requestsBetween(before, after, serving), change !== undefined);
    show(name, figures);
    return figures;
  };

  for (const policy of ROUTING_POLICIES) steady[policy] = await runPhase(policy, policy);
  if (opts.scale) {
    for (const policy of ['hints', 'session_hash'] as const) {
      scaled.replica_added[policy] = await runPhase(`replica_added/${policy}`, policy, {
        replicas: [...four, extra],
      });
      scaled.replica_removed[policy] = await runPhase(`replica_removed/${policy}`, policy, {
        replicas: four.slice(0, 3),
      });
    }
  }
} finally {
  await client?.close();
  await pipeline?.stop();
  await sims.stop();
  const redisUrl = pipeline?.config.endpoints.redisUrl;
  if (redisUrl !== undefined) {
    const redis = createRedisConnection({ url: redisUrl });
    const keys = await redis.keys(`${files.redisPrefix}*`).catch(() => []);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500)).catch(() => 0);
    redis.disconnect();
  }
}

const pick = (f: PhaseFigures | undefined) =>
  f === undefined
    ? null
    : {
        followup_hit_rate: f.followup_hit_rate,
        share_of_ideal: f.share_of_ideal,
        followup_ttft_p50_ms: f.followup_ttft_p50_ms,
        followup_ttft_p99_ms: f.followup_ttft_p99_ms,
        followup_model_ttft_p50_ms: f.followup_model_ttft_p50_ms,
        max_load_ratio: f.max_load_ratio,
        per_turn: f.per_turn,
        failed: f.failed,
      };
const { hints, round_robin: rr } = steady;
const within = (f: PhaseFigures | undefined, other: PhaseFigures | undefined) =>
  f === undefined || hints === undefined || other === undefined
    ? null
    : hints.followup_hit_rate - f.followup_hit_rate <= 0.1 && f.followup_hit_rate > other.followup_hit_rate;
const targets =
  hints === undefined || rr === undefined
    ? {}
    : {
        hints_share_of_ideal_ge_0_9: hints.share_of_ideal >= 0.9,
        hints_hit_ge_3x_round_robin: hints.followup_hit_rate >= 3 * rr.followup_hit_rate,
        hints_ttft_p50_le_half_round_robin: hints.followup_ttft_p50_ms <= rr.followup_ttft_p50_ms / 2,
        hints_model_ttft_p50_le_half_round_robin:
          hints.followup_model_ttft_p50_ms <= rr.followup_model_ttft_p50_ms / 2,
        hints_max_load_ratio_le_1_5: hints.max_load_ratio <= 1.5,
        replica_added_hints_ok: within(scaled.replica_added.hints, scaled.replica_added.session_hash),
        replica_removed_hints_ok: within(scaled.replica_removed.hints, scaled.replica_removed.session_hash),
      };
log(`targets: ${JSON.stringify(targets)}`);
console.log(
  JSON.stringify({
    hints: pick(steady.hints),
    session_hash: pick(steady.session_hash),
    round_robin: pick(steady.round_robin),
    replica_added: {
      hints: pick(scaled.replica_added.hints),
      session_hash: pick(scaled.replica_added.session_hash),
    },
    replica_removed: {
      hints: pick(scaled.replica_removed.hints),
      session_hash: pick(scaled.replica_removed.session_hash),
    },
    targets,
  }),
);
