/**
 * bench:gateway — what the OpenAI-compatible gateway adds. One local pipeline
 * (worker processes, near-zero-latency simulator) and one `kpo gateway`
 * process; open-loop Poisson arrivals at --rate, every other request through
 * the gateway (HTTP + SSE, as an OpenAI SDK would) and the rest through the
 * project's Kafka client (PromptClient) in this process — the same pipeline at
 * the same moment, so the TTFT difference is the gateway hop.
 * Reports TTFT / e2e p50/p95/p99 of both paths, the added latency, the
 * gateway's CPU ms per request and RSS (from /proc).
 * --streams N instead holds N concurrent slow streams open through the gateway
 * (a slower simulator) and reports memory per open stream and their TTFT.
 * The last line is one JSON object.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { startLocalPipeline } from '../cli/local-pipeline/local-pipeline.ts';
import { createCliContext, createPromptClient } from '../cli/cli-context.ts';
import { loadPipelineConfig } from '../shared/config/load-pipeline-config.ts';
import { PROJECT_ROOT, stackHome } from '../shared/config/stack-endpoints.ts';
import { runOpenLoop } from './pipeline/arrivals.ts';
import { QUESTIONS } from './pipeline/pipeline-path.ts';
import { childPids, ProcessMeter, rssMb } from './pipeline/proc-stats.ts';
import { summarize, type RequestOutcome } from './pipeline/request-outcome.ts';
import { clientFire } from './gateway/client-path.ts';
import { gatewayFire } from './gateway/gateway-path.ts';

const options = new Command('bench:gateway')
  .option('--rate <n>', 'requests per second, both paths together', '100')
  .option('--seconds <n>', 'length of the measured step', '20')
  .option('--warmup-seconds <n>', 'warm-up before it (not measured)', '5')
  .option('--max-tokens <n>', 'completion tokens per request', '16')
  .option('--streams <n>', 'instead: hold this many concurrent slow streams open through the gateway', '0')
  .parse(process.argv)
  .opts<{ rate: string; seconds: string; warmupSeconds: string; maxTokens: string; streams: string }>();
const rate = Number(options.rate);
const seconds = Number(options.seconds);
const maxTokens = Number(options.maxTokens);
const streams = Number(options.streams);

const FAST_SIM = ['--ttft-base-ms', '0', '--prefill-ms-per-token', '0', '--inter-token-ms', '1'];
/** --streams: 200 tokens 25 ms apart, so every stream stays open ~5 s. */
const SLOW_SIM = ['--ttft-base-ms', '0', '--prefill-ms-per-token', '0', '--inter-token-ms', '25'];
const SIM_COMMON = ['--slowdown-per-sequence', '0', '--max-concurrent-sequences', '4096'];
const log = (line: string): void => console.error(`bench: ${line}`);
const r1 = (v: number): number => Math.round(v * 10) / 10;

const pipeline = await startLocalPipeline({
  model: 'sim',
  modelSimArgs: [...(streams > 0 ? SLOW_SIM : FAST_SIM), ...SIM_COMMON],
  log,
});
let exitCode = 0;
try {
  const match = await pipeline.group.start({
    name: 'gateway',
    command: process.execPath,
    args: ['--import', 'tsx', join(PROJECT_ROOT, 'cli', 'kpo.ts'), 'gateway', '--port', '0'],
    env: { ...process.env, ...pipeline.env, LOG_LEVEL: 'warn' },
    logFile: join(stackHome(), 'logs', 'pipeline', 'gateway.log'),
    readyLine: /^gateway listening on (\S+)/,
    readyTimeoutMs: 60_000,
  });
  const url = match[1]!;
  const gatewayPid = childPids(process.pid, 'kpo.ts\0gateway')[0];
  if (gatewayPid === undefined) throw new Error('the gateway process was not found under /proc');
  log(`gateway ${url} (pid ${gatewayPid})`);
  const result = streams > 0 ? await holdStreams(url, gatewayPid) : await compareHops(url, gatewayPid);
  console.log(JSON.stringify(result));
} catch (error) {
  console.error(error);
  exitCode = 1;
} finally {
  await pipeline.stop();
}
process.exit(exitCode);

async function compareHops(url: string, gatewayPid: number): Promise<Record<string, unknown>> {
  const config = loadPipelineConfig({ env: { ...process.env, ...pipeline.env } });
  const client = createPromptClient(await createCliContext('bench-gateway', config), 60_000);
  await client.start();
  try {
    const fire = (i: number): Promise<RequestOutcome> => {
      const question = `${QUESTIONS[i % QUESTIONS.length]} (${i})`;
      return i % 2 === 0 ? clientFire(client, question, maxTokens) : gatewayFire(url, question, maxTokens);
    };
    log(`warm-up ${options.warmupSeconds} s at ${rate} req/s`);
    await runOpenLoop(rate, Number(options.warmupSeconds) * 1000, 30_000, fire);
    await sleep(1000);
    const meter = new ProcessMeter(new Map([['gateway', [gatewayPid]]]));
    meter.start();
    log(`measuring ${seconds} s at ${rate} req/s (half through the gateway)`);
    const outcomes = await runOpenLoop(rate, seconds * 1000, 30_000, fire);
    const cost = meter.stop();
    const viaClient = summarize(outcomes.filter((_, i) => i % 2 === 0));
    const viaGateway = summarize(outcomes.filter((_, i) => i % 2 === 1));
    return {
      bench: 'gateway',
      rate,
      seconds,
      maxTokens,
      kafkaClient: viaClient,
      gateway: viaGateway,
      addedTtftMs: {
        p50: r1(viaGateway.ttft.p50 - viaClient.ttft.p50),
        p95: r1(viaGateway.ttft.p95 - viaClient.ttft.p95),
        p99: r1(viaGateway.ttft.p99 - viaClient.ttft.p99),
      },
      gatewayCpuMsPerRequest: r1((cost.cpuMs.gateway ?? 0) / Math.max(1, viaGateway.requests)),
      gatewayRssMb: cost.rssMb.gateway,
    };
  } finally {
    await client.close();
  }
}

async function holdStreams(url: string, gatewayPid: number): Promise<Record<string, unknown>> {
  // Warm the gateway's code paths and connections first, so the RSS delta is the streams'.
  await Promise.all(Array.from({ length: 20 }, (_, i) => gatewayFire(url, `warm-up ${i}`, 4)));
  await sleep(2000);
  const idleRss = rssMb(gatewayPid) ?? 0;
  const meter = new ProcessMeter(new Map([['gateway', [gatewayPid]]]));
  meter.start();
  const started = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: streams }, (_, i) =>
      gatewayFire(url, `${QUESTIONS[i % QUESTIONS.length]} [${i}]`, 200),
    ),
  );
  const cost = meter.stop();
  const summary = summarize(outcomes);
  return {
    bench: 'gateway-streams',
    streams,
    completed: summary.completed,
    failed: summary.failed,
    shed: summary.shed,
    ttft: summary.ttft,
    e2e: summary.e2e,
    wallSeconds: r1((performance.now() - started) / 1000),
    gatewayIdleRssMb: r1(idleRss),
    gatewayPeakRssMb: cost.rssMb.gateway,
    memoryPerStreamKb: r1((((cost.rssMb.gateway ?? 0) - idleRss) * 1024) / streams),
    gatewayCpuMsPerStream: r1((cost.cpuMs.gateway ?? 0) / streams),
  };
}
