/**
 * bench:pipeline — the whole pipeline under load, as `npm start` runs it: the
 * local stack, one worker process per stage (startLocalPipeline), simulator
 * replicas at near-zero latency, single-turn prompts with a fixed max_tokens,
 * submitted and read with the project's PromptClient (--via client, default:
 * the path applications run) or with the bench's own producer and a consumer
 * of the whole output topic (--via raw: the pipeline alone). Modes: sequential (one request in flight), a rate sweep with
 * open-loop Poisson arrivals, and --surge. Baselines in the same run:
 * (a) the simulator called directly with the project's model client → TTFT
 * overhead = pipeline TTFT − direct TTFT p50 at the same rate; (b) five plain
 * kafkajs pass-through hops → the floor for five hops.
 * Per step: TTFT / ITL / e2e p50/p95/p99, completed/failed/shed, goodput (share
 * of requests whose TTFT overhead ≤ 100 ms), CPU ms per request of each worker,
 * the simulator, the broker, registry and Redis (/proc), worker RSS.
 * Writes pipeline.json and pipeline.svg under --out; the last line is the JSON.
 * Flags: see bench/pipeline/bench-options.ts (e.g. --rates 10,50 --step-seconds 5).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startLocalPipeline } from '../cli/local-pipeline/local-pipeline.ts';
import { stackHome } from '../shared/config/stack-endpoints.ts';
import { createKafkaClient } from '../shared/kafka/create-kafka-client.ts';
import { createMessageCodecs } from '../shared/serde/create-message-codecs.ts';
import { runOpenLoop, runSequential, type Fire } from './pipeline/arrivals.ts';
import { parseBenchOptions } from './pipeline/bench-options.ts';
import { directModelFire } from './pipeline/direct-model-path.ts';
import type { BenchPath } from './pipeline/bench-path.ts';
import { ClientPath } from './pipeline/client-path.ts';
import { PipelinePath } from './pipeline/pipeline-path.ts';
import { childPids, ProcessMeter } from './pipeline/proc-stats.ts';
import { RawChainPath } from './pipeline/raw-chain-path.ts';
import { summarize, type RequestOutcome, type StepSummary } from './pipeline/request-outcome.ts';
import { runSurge } from './pipeline/surge-run.ts';
import { RecordTimeWatch, inBandOnly, outOfBandOnly } from './pipeline/record-time-watch.ts';
import { hopBreakdown, hopTopics, type HopBreakdown } from './pipeline/hop-breakdown.ts';
import { renderLatencyPlot } from './pipeline/svg-plot.ts';
import { benchPromptRequest } from './bench-prompt-request.ts';

const options = parseBenchOptions(process.argv.slice(2));
const OVERHEAD_SLO_MS = 100;
/** Near-zero model latency, so what is left is the orchestrator's cost. */
const SIM_ARGS = [
  '--ttft-base-ms',
  '0',
  '--prefill-ms-per-token',
  '0',
  '--inter-token-ms',
  '1',
  '--slowdown-per-sequence',
  '0',
  '--max-concurrent-sequences',
  '1024',
];
const WORKERS = ['rag', 'assemble', 'inference', 'post', 'stream'] as const;
const r2 = (v: number): number => Math.round(v * 100) / 100;
const log = (line: string): void => console.error(`bench: ${line}`);

const pipeline = await startLocalPipeline({
  model: 'sim',
  modelReplicas: options.modelReplicas,
  modelSimArgs: SIM_ARGS,
  workerNodeArgs: options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [],
  log,
});
let exitCode = 0;
try {
  const result = await runBench();
  mkdirSync(options.outDir, { recursive: true });
  writeFileSync(join(options.outDir, 'pipeline.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'pipeline.svg'), plot(result));
  console.log(`wrote ${join(options.outDir, 'pipeline.json')} and pipeline.svg`);
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await pipeline.stop();
}
process.exit(exitCode);

type StepResult = ReturnType<typeof stepResult>;

async function runBench() {
  const brokers = pipeline.config.endpoints.kafkaBrokers ?? [];
  const kafka = createKafkaClient({ brokers, clientId: 'bench-pipeline', logLevel: 'nothing' });
  const codecs = await createMessageCodecs({
    schemaRegistryUrl: pipeline.config.endpoints.schemaRegistryUrl ?? 'none',
  });
  const topics = pipeline.config.topics;
  const path: BenchPath =
    options.via === 'client'
      ? new ClientPath({
          kafka,
          codecs,
          promptsTopic: topics.prompts,
          outputTopic: topics.output,
          cancelTopic: topics.cancel,
          maxTokens: options.maxTokens,
          // Longer than any step's own deadline: the bench's arrivals decide when a request timed out.
          eventTimeoutMs: (options.stepSeconds + options.drainSeconds + 60) * 1000,
          partitionLingerMs: options.partitionLingerMs,
        })
      : new PipelinePath({
          kafka,
          codecs,
          promptsTopic: topics.prompts,
          outputTopic: topics.output,
          maxTokens: options.maxTokens,
        });
  await path.start();
  const sample = await codecs.promptRequest.encode(
    benchPromptRequest({
      requestId: '00000000-0000-0000-0000-000000000000',
      sessionId: 'bench-00000000-0000-0000-0000-000000000000',
      question: 'How does Kafka keep the records of one key in order?',
      maxTokens: options.maxTokens,
      temperature: 1,
    }),
  );
  const chain = new RawChainPath(kafka, brokers, pipeline.config.topics.partitions, sample.length);
  await chain.start();
  const direct = directModelFire(pipeline.modelUrls, options.maxTokens);
  const meter = (): ProcessMeter => new ProcessMeter(processes());
  const drainMs = options.drainSeconds * 1000;
  let tag = 0;
  const pipelineFire = (): Fire => {
    const step = `s${tag++}`;
    return (i) => path.fire(i, step);
  };

  try {
    log(`warm-up ${options.warmupSeconds} s at 5 req/s`);
    await runOpenLoop(5, options.warmupSeconds * 1000, drainMs, pipelineFire());
    await runOpenLoop(5, 2_000, drainMs, direct);
    await runOpenLoop(5, 2_000, drainMs, chain.fire);
    path.forgetPending();
    await waitForIdle(path);

    let sequential: (StepResult & { readonly hop_p50_ms: HopBreakdown | null }) | undefined;
    if (options.sequential > 0) {
      const n = options.sequential;
      const directRun = summarize(await runSequential(Math.min(n, 100), direct, 10_000));
      const chainRun = summarize(await runSequential(Math.min(n, 100), chain.fire, 10_000));
      const timeline = new RecordTimeWatch(kafka, hopTopics(topics), inBandOnly);
      await timeline.start();
      const m = meter();
      m.start();
      const started = performance.now();
      const outcomes = await runSequential(n, pipelineFire(), 10_000);
      const usage = m.stop();
      await timeline.close();
      path.forgetPending();
      sequential = {
        ...stepResult(0, outcomes, performance.now() - started, usage, directRun, chainRun),
        hop_p50_ms: hopBreakdown(outcomes, timeline, topics),
      };
      progress('sequential', sequential);
      log(
        `sequential: where the time to first token goes (p50 ms): ${JSON.stringify(sequential.hop_p50_ms)}`,
      );
    }

    const rates: StepResult[] = [];
    for (const rate of options.rates) {
      await waitForIdle(path); // a step starts on an empty pipeline, not behind the last one's backlog
      const m = meter();
      m.start();
      const started = performance.now();
      const outcomes = await runOpenLoop(rate, options.stepSeconds * 1000, drainMs, pipelineFire());
      const usage = m.stop();
      const wall = performance.now() - started;
      path.forgetPending();
      const directRun = summarize(await runOpenLoop(rate, options.baselineSeconds * 1000, drainMs, direct));
      const chainRun = summarize(
        await runOpenLoop(rate, options.baselineSeconds * 1000, drainMs, chain.fire),
      );
      const step = stepResult(rate, outcomes, wall, usage, directRun, chainRun);
      rates.push(step);
      progress(`${rate} req/s`, step);
      if (step.saturated && !options.keepGoing) {
        log(`saturated at ${rate} req/s; stopping the sweep (--keep-going to continue)`);
        break;
      }
    }
    const sustainable = rates.filter(
      (s) => s.ttft_overhead_p99_ms <= OVERHEAD_SLO_MS && s.failed === 0 && s.shed === 0,
    );
    const maxSustainable = sustainable.reduce((max, s) => Math.max(max, s.rps), 0);

    let surge: Awaited<ReturnType<typeof runSurge>> | undefined;
    let surgeRssMb: Record<string, number> | undefined;
    if (options.surge) {
      await waitForIdle(path);
      const base = options.surgeBase ?? Math.max(5, Math.floor(maxSustainable / 2));
      log(`surge: ${base} req/s, ${base * 10} req/s for ${options.surgeSeconds} s, ${base} req/s`);
      const decisions = new RecordTimeWatch(kafka, [topics.tokensPost], outOfBandOnly);
      await decisions.start();
      const m = meter();
      m.start();
      try {
        surge = await runSurge(pipelineFire(), base, options.surgeSeconds, 20, drainMs, (id) =>
          decisions.timeOf(topics.tokensPost, id),
        );
      } finally {
        surgeRssMb = m.stop().rssMb;
        await decisions.close();
      }
      path.forgetPending();
      console.log(`surge: ${JSON.stringify(surge)} worker RSS max ${JSON.stringify(surgeRssMb)}`);
    }

    const seqChain = sequential?.raw_chain;
    return {
      sequential,
      rates,
      max_sustainable_rps: maxSustainable,
      raw_chain: seqChain ?? null,
      direct_model: sequential?.direct_model ?? null,
      surge: surge ? { ...surge, worker_rss_max_mb: surgeRssMb } : null,
      targets: sequential
        ? {
            sequential_overhead_p50_le_15ms: sequential.ttft_overhead_p50_ms <= 15,
            sequential_overhead_p99_le_40ms: sequential.ttft_overhead_p99_ms <= 40,
            max_sustainable_ge_200: maxSustainable >= 200,
            at_100_overhead_p99_le_100ms: rates.find((s) => s.rps === 100)?.ttft_overhead_p99_ms ?? null,
            at_100_worker_cpu_ms_per_request:
              rates.find((s) => s.rps === 100)?.worker_cpu_ms_per_request ?? null,
            sequential_overhead_p50_over_raw_chain_p50: r2(
              sequential.ttft_overhead_p50_ms / sequential.raw_chain.p50_ms,
            ),
          }
        : null,
      setup: {
        workers_per_stage: 1,
        via: options.via,
        model_replicas: options.modelReplicas,
        sim_args: SIM_ARGS.join(' '),
        max_tokens: options.maxTokens,
        step_seconds: options.stepSeconds,
        partitions: pipeline.config.topics.partitions,
      },
    };
  } finally {
    await chain.stop();
    await path.close();
  }
}

function stepResult(
  rps: number,
  outcomes: readonly RequestOutcome[],
  wallMs: number,
  usage: { cpuMs: Record<string, number>; rssMb: Record<string, number> },
  directRun: StepSummary,
  chainRun: StepSummary,
) {
  const s = summarize(outcomes);
  const directP50 = Number.isFinite(directRun.ttft.p50) ? directRun.ttft.p50 : 0;
  const good = outcomes.filter(
    (o) => o.terminal === 'done' && o.ttftMs !== undefined && o.ttftMs - directP50 <= OVERHEAD_SLO_MS,
  );
  const perRequest = (name: string): number => r2((usage.cpuMs[name] ?? 0) / Math.max(1, outcomes.length));
  const cpu = Object.fromEntries(Object.keys(usage.cpuMs).map((name) => [name, perRequest(name)]));
  const workerCpu = r2(WORKERS.reduce((sum, w) => sum + (cpu[w] ?? 0), 0));
  return {
    rps,
    requests: s.requests,
    completed: s.completed,
    failed: s.failed,
    shed: s.shed,
    achieved_rps: r2((s.completed / wallMs) * 1000),
    ttft_p50_ms: s.ttft.p50,
    ttft_p95_ms: s.ttft.p95,
    ttft_p99_ms: s.ttft.p99,
    ttft_overhead_p50_ms: r2(s.ttft.p50 - directP50),
    ttft_overhead_p95_ms: r2(s.ttft.p95 - directP50),
    ttft_overhead_p99_ms: r2(s.ttft.p99 - directP50),
    itl_p50_ms: s.itl.p50,
    itl_p95_ms: s.itl.p95,
    itl_p99_ms: s.itl.p99,
    e2e_p50_ms: s.e2e.p50,
    e2e_p95_ms: s.e2e.p95,
    e2e_p99_ms: s.e2e.p99,
    goodput: r2(good.length / Math.max(1, s.requests)),
    worker_cpu_ms_per_request: workerCpu,
    cpu_ms_per_request: cpu,
    worker_rss_mb: Object.fromEntries(WORKERS.map((w) => [w, usage.rssMb[w] ?? 0])),
    direct_model: {
      ttft_p50_ms: directRun.ttft.p50,
      ttft_p99_ms: directRun.ttft.p99,
      e2e_p99_ms: directRun.e2e.p99,
    },
    raw_chain: { p50_ms: chainRun.ttft.p50, p99_ms: chainRun.ttft.p99 },
    saturated: s.completed < 0.95 * s.requests || s.ttft.p99 - directP50 > 5_000,
  };
}

function processes(): Map<string, number[]> {
  const pids = new Map<string, number[]>();
  for (const w of pipeline.workers) pids.set(w.stage, [...(pids.get(w.stage) ?? []), w.pid]);
  pids.set('model_sim', childPids(process.pid, 'model-sim'));
  for (const service of ['kafka', 'registry', 'redis']) {
    try {
      const pid = Number(readFileSync(join(stackHome(), 'run', `${service}.pid`), 'utf8').trim());
      pids.set(service === 'kafka' ? 'broker' : service, [pid]);
    } catch {
      // Not started by the local stack (external endpoints): not measured.
    }
  }
  pids.set('bench', [process.pid]);
  return pids;
}

function progress(label: string, s: StepResult): void {
  console.log(
    `${label.padEnd(12)} ${s.completed}/${s.requests} done, ${s.failed} failed, ${s.shed} shed | ` +
      `TTFT overhead p50 ${s.ttft_overhead_p50_ms} p99 ${s.ttft_overhead_p99_ms} ms | ITL p99 ${s.itl_p99_ms} | ` +
      `e2e p99 ${s.e2e_p99_ms} ms | goodput ${s.goodput} | worker CPU ${s.worker_cpu_ms_per_request} ms/req ` +
      `${JSON.stringify(s.cpu_ms_per_request)} | direct TTFT p50 ${s.direct_model.ttft_p50_ms} | ` +
      `raw chain p50 ${s.raw_chain.p50_ms} p99 ${s.raw_chain.p99_ms} ms`,
  );
}

/** After a saturated step the backlog drains on its own; wait (bounded) until a probe is fast again. */
async function waitForIdle(path: BenchPath): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (let i = 0; Date.now() < deadline; i += 1) {
    const [probe] = await runSequential(1, (n) => path.fire(n + i, 'idle'), 30_000);
    path.forgetPending();
    if (probe?.terminal === 'done' && (probe.ttftMs ?? Infinity) < 1_000) return;
    await sleep(2_000);
  }
  log('pipeline still busy after 180 s; measuring anyway');
}

function plot(result: Awaited<ReturnType<typeof runBench>>): string {
  const steps = [...(result.sequential ? [result.sequential] : []), ...result.rates];
  const labels = steps.map((s) => (s.rps === 0 ? 'seq' : String(s.rps)));
  return renderLatencyPlot('TTFT vs offered load: pipeline vs baselines (1 worker per stage)', labels, [
    { name: 'pipeline TTFT p50', color: '#1f77b4', values: steps.map((s) => s.ttft_p50_ms) },
    { name: 'pipeline TTFT p99', color: '#d62728', values: steps.map((s) => s.ttft_p99_ms) },
    {
      name: 'raw 5-hop chain p50',
      color: '#2ca02c',
      dashed: true,
      values: steps.map((s) => s.raw_chain.p50_ms),
    },
    {
      name: 'raw 5-hop chain p99',
      color: '#98df8a',
      dashed: true,
      values: steps.map((s) => s.raw_chain.p99_ms),
    },
    {
      name: 'model direct TTFT p99',
      color: '#7f7f7f',
      dashed: true,
      values: steps.map((s) => s.direct_model.ttft_p99_ms),
    },
  ]);
}
