/**
 * bench:kv:pipeline — multi-turn prefix-cache reuse through the real pipeline.
 *
 *   npm run bench:kv:pipeline -- [--sessions 24] [--turns 4] [--max-tokens 32] [--think-ms 400]
 *   npm run bench:kv:pipeline -- --model local        # the real SmolLM2-135M (short: 4 sessions × 3 turns)
 *
 * All five stages as their own processes (startLocalPipeline, the `npm start`
 * code path) with retrieval on and history in Redis, over 4 simulator
 * replicas started by the bench (the simulator's defaults, but a prefix cache
 * of --cache-blocks: each replica holds about a quarter of the run's
 * conversations, as real replicas hold far fewer sessions than they serve).
 * With --model local: 2 replicas of the real local model (infra/local-model,
 * one CPU thread each) with 2 context sequences each, called through the
 * llama.cpp adapter, so hint routing also pins a session to the sequence
 * (slot) holding its prefix; cached tokens are the engine's (tokens a sequence
 * already held); no scale phases (a replica costs a core).
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
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { startLocalPipeline, type LocalPipeline } from '../cli/local-pipeline/local-pipeline.ts';
import { stackHome } from '../shared/config/stack-endpoints.ts';
import { createKafkaClient } from '../shared/kafka/create-kafka-client.ts';
import { createRedisConnection } from '../shared/redis/redis-connection.ts';
import { createMessageCodecs } from '../shared/serde/create-message-codecs.ts';
import type { SimReplica } from './kv/sim-replicas.ts';
import { startBenchReplicas } from './kv-pipeline/bench-replicas.ts';
import { createBenchSessions } from './kv-pipeline/chat-sessions.ts';
import { InferenceSwap } from './kv-pipeline/inference-swap.ts';
import { phaseFigures, type PhaseFigures } from './kv-pipeline/phase-figures.ts';
import { pipelineFiles, ROUTING_POLICIES, type RoutingPolicy } from './kv-pipeline/pipeline-files.ts';
import { replicaRequests, requestsBetween } from './kv-pipeline/replica-requests.ts';
import { runSessions } from './kv-pipeline/session-run.ts';
import { TurnClient } from './kv-pipeline/turn-client.ts';

const opts = new Command('bench:kv:pipeline')
  .option('--model <kind>', 'sim (infra/model-sim) or local (the real SmolLM2-135M)', 'sim')
  .option('--replicas <n>', 'model replicas (default 4 sim, 2 local)', Number)
  .option('--sessions <n>', 'sessions per phase (default 24 sim, 4 local)', Number)
  .option('--turns <n>', 'turns per session (default 4 sim, 3 local)', Number)
  .option('--max-tokens <n>', 'answer length cap (default 32 sim, 16 local)', Number)
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
    model: string;
    replicas?: number;
    sessions?: number;
    turns?: number;
    maxTokens?: number;
    thinkMs: number;
    cacheBlocks: number;
    prefillMsPerToken: number;
    scale: boolean;
  }>();

if (opts.model !== 'sim' && opts.model !== 'local')
  throw new Error(`--model: sim or local, not ${opts.model}`);
const model = opts.model;
const sim = model === 'sim';
const replicaCount = opts.replicas ?? (sim ? 4 : 2);
const sessionCount = opts.sessions ?? (sim ? 24 : 4);
const turnCount = opts.turns ?? (sim ? 4 : 3);
const maxTokens = opts.maxTokens ?? (sim ? 32 : 16);
const scale = opts.scale && sim;
const runId = `kvb${randomBytes(3).toString('hex')}`;
const loadAtStart = loadavg()[0]!;
const files = pipelineFiles(
  runId,
  sim
    ? // The simulator renders chat as "role: content" lines: hashes describe that text.
      { modelKind: 'openai', assemble: { chatTemplate: 'simulator' } }
    : {
        // SmolLM2's template; the prompt goes as raw text to /completion, so the engine sees exactly these tokens.
        modelKind: 'llamacpp',
        assemble: { chatTemplate: 'chatml' },
        // Two passages a turn, as pipeline.yaml for this model: 3 turns stay well inside a sequence's context.
        rag: { topK: 2 },
        // A CPU model reads a prompt in seconds, more on a busy machine.
        calls: { ttftTimeoutMs: 120_000, totalTimeoutMs: 240_000 },
      },
);
const log = (line: string): void => console.log(line);
const logDir = join(stackHome(), 'logs', runId);
const sims = await startBenchReplicas({
  model,
  count: replicaCount + (scale ? 1 : 0),
  args: sim
    ? [
        '--cache-capacity-blocks',
        String(opts.cacheBlocks),
        '--prefill-ms-per-token',
        String(opts.prefillMsPerToken),
      ]
    : ['--sequences', '2', '--context-size', '4096'],
  logDir,
  log: (line) => log(`  ${line}`),
});
const four = sims.replicas.slice(0, replicaCount);
const extra = sims.replicas[replicaCount];
let pipeline: LocalPipeline | undefined;
let client: TurnClient | undefined;
const steady: Partial<Record<RoutingPolicy, PhaseFigures>> = {};
const scaled: Record<'replica_added' | 'replica_removed', Partial<Record<RoutingPolicy, PhaseFigures>>> = {
  replica_added: {},
  replica_removed: {},
};
let phase = 0;

/** Deletes the run's Redis keys that match `pattern`. */
async function deleteKeys(pattern: string): Promise<void> {
  const redisUrl = pipeline?.config.endpoints.redisUrl;
  if (redisUrl === undefined) return;
  const redis = createRedisConnection({ url: redisUrl });
  try {
    const keys = await redis.keys(pattern);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}

/** Each phase starts without the previous phases' routing hints (`<prefix>:kv:*`). */
const clearRoutingHints = (): Promise<void> => deleteKeys(`${files.redisPrefix}:kv:*`);

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
  const initial = files.write('hints', four);
  pipeline = await startLocalPipeline({
    model,
    workerEnv: { KPO_CONFIG: initial },
    logDir,
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
  const settings = { maxTokens, meanThinkMs: opts.thinkMs, turnTimeoutMs: sim ? 120_000 : 300_000 };
  log(
    `bench:kv:pipeline ${runId}: 5 stages, ${four.length} ${model} replicas, ${sessionCount} sessions × ${turnCount} ` +
      `turns, answers ≤ ${maxTokens} tokens, think ~${opts.thinkMs} ms, ` +
      (sim
        ? `replica cache ${opts.cacheBlocks} blocks, prefill ${opts.prefillMsPerToken} ms/token`
        : '2 context sequences per replica (4096 tokens each), 1 CPU thread'),
  );

  /** One phase: the policy's worker takes over, a warm-up turn proves the pipeline flows, caches are emptied. */
  const runPhase = async (
    name: string,
    policy: RoutingPolicy,
    change?: { replicas: readonly SimReplica[] },
  ): Promise<PhaseFigures> => {
    phase++;
    await swap.to(files.write(policy, four));
    await clearRoutingHints();
    const warm = await client!.turn(`${runId}-warm-${phase}`, 'What is a consumer group?', {
      maxTokens: 4,
      timeoutMs: settings.turnTimeoutMs,
    });
    if (warm.terminal !== 'done') throw new Error(`warm-up turn of ${name} ended ${warm.errorCode}`);
    await sims.resetCaches();
    const sessions = createBenchSessions(`${runId}-${name}`, sessionCount, turnCount);
    const before = await replicaRequests(sims.replicas);
    const records = await runSessions(client!, sessions, {
      ...settings,
      ...(change === undefined ? {} : { midRun: () => swap.to(files.write(policy, change.replicas)) }),
    });
    const after = await replicaRequests(sims.replicas);
    await sleep(1_000); // the last final chunks on the raw tokens topic
    for (const record of records) record.modelTtftMs = client!.modelTtftMs(record.requestId);
    const serving = (change?.replicas ?? four).map((r) => r.name);
    const figures = phaseFigures(records, requestsBetween(before, after, serving), change !== undefined);
    show(name, figures);
    return figures;
  };

  // Unmeasured: the worker processes' first conversations (JIT, connections, caches) would weigh on the first policy.
  await runSessions(client, createBenchSessions(`${runId}-warmup`, Math.min(4, sessionCount), 2), settings);
  for (const policy of ROUTING_POLICIES) steady[policy] = await runPhase(policy, policy);
  if (scale && extra !== undefined) {
    for (const policy of ['hints', 'session_hash'] as const) {
      scaled.replica_added[policy] = await runPhase(`replica_added/${policy}`, policy, {
        replicas: [...four, extra],
      });
      scaled.replica_removed[policy] = await runPhase(`replica_removed/${policy}`, policy, {
        replicas: four.slice(0, -1),
      });
    }
  }
} finally {
  await client?.close();
  // The run's keys go before the pipeline stops: it may stop the stack (and its Redis) it started.
  await deleteKeys(`${files.redisPrefix}*`).catch(() => undefined);
  await pipeline?.stop();
  await sims.stop();
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
    run: {
      model,
      replicas: replicaCount,
      sessions: sessionCount,
      turns: turnCount,
      max_tokens: maxTokens,
      ...(sim ? { prefill_ms_per_token: opts.prefillMsPerToken, cache_blocks: opts.cacheBlocks } : {}),
      // 1-minute load average of the machine (2 cores here) when the run started and ended.
      load_avg: [Number(loadAtStart.toFixed(1)), Number(loadavg()[0]!.toFixed(1))],
    },
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
