/**
 * Micro-batching benchmark against the static-batching simulator (its own
 * process, default a and b). Runs the same closed-loop load twice in one run —
 * micro-batching on (max batch 8) and off — and compares tokens/s with the
 * ideal bound of the cost model: a decode step of N prompts costs a + b·N,
 * so at batch N the server makes N / (a + b·N) tokens per ms.
 * Last line: one JSON object.   npm run bench:batching
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { compileSimOptions } from '../infra/model-sim/sim-options.ts';
import { spawnSimReplica } from '../infra/model-sim/spawn-replica.ts';
import { EndpointPool } from '../shared/model/endpoint-pool.ts';
import { LeastLoadedSelector } from '../shared/model/endpoint-selector.ts';
import { compileMicroBatchOptions } from '../shared/model/micro-batch-options.ts';
import { ModelCallBatcher } from '../shared/model/model-call-batcher.ts';
import { compileModelCallOptions } from '../shared/model/model-call-options.ts';
import { OpenAiCompatibleClient } from '../shared/model/openai-client.ts';
import { ResilientEndpoint } from '../shared/model/resilient-endpoint.ts';
import type { GenerationEvent, GenerationRequest } from '../shared/model/types.ts';

const MAX_BATCH = Number(process.env['BENCH_MAX_BATCH'] ?? 8);
const MAX_WAIT_MS = Number(process.env['BENCH_MAX_WAIT_MS'] ?? 10);
const TOKENS = Number(process.env['BENCH_TOKENS'] ?? 16); // ≤ 16: every simulated answer runs to max tokens
const CLIENTS = 2 * MAX_BATCH; // a backlog: one batch runs while the next one gathers
const BATCHED_REQUESTS = Number(process.env['BENCH_BATCHED_REQUESTS'] ?? 20 * MAX_BATCH);
const UNBATCHED_REQUESTS = Number(process.env['BENCH_UNBATCHED_REQUESTS'] ?? 24);
const THINK_MS = 4; // a client pauses 0–4 ms before its next request, so arrivals are not simultaneous

const defaults = compileSimOptions({}, {});
const a = defaults.batchStepBaseMs;
const b = defaults.batchStepPerPromptMs;

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function tokensOf(events: AsyncIterable<GenerationEvent>): Promise<number> {
  let tokens = 0;
  for await (const event of events) if (event.type === 'done') tokens = event.usage.completionTokens;
  return tokens;
}

async function closedLoop(total: number, call: (request: GenerationRequest) => Promise<number>) {
  let next = 0;
  let tokens = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < total) {
        const id = next++;
        await sleep(Math.random() * THINK_MS);
        const generated = await call({
          requestId: `bench-${id}`,
          model: defaults.modelName,
          messages: [{ role: 'user', content: `benchmark question ${id}` }],
          params: { maxTokens: TOKENS, temperature: 0 },
        });
        tokens += generated;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { tokens, seconds, tps: tokens / seconds };
}

const replica = await spawnSimReplica([
  '--static-batching',
  '--batch-step-base-ms',
  String(a),
  '--batch-step-per-prompt-ms',
  String(b),
]);
try {
  const callOptions = compileModelCallOptions({
    ttftTimeoutMs: 60_000,
    totalTimeoutMs: 120_000,
    maxAttempts: 1,
  });
  const client = new OpenAiCompatibleClient({
    name: 'sim-static',
    baseUrl: replica.url,
    api: 'completions',
    batching: true,
  });
  const endpoint = new ResilientEndpoint(client, { maxConcurrent: 256, models: [] }, callOptions);
  const pool = new EndpointPool([endpoint], new LeastLoadedSelector(), callOptions);
  const waits: number[] = [];
  const sizes: number[] = [];
  const reasons: Record<string, number> = {};
  const batcher = new ModelCallBatcher(
    pool,
    compileMicroBatchOptions({ maxBatchSize: MAX_BATCH, maxWaitMs: MAX_WAIT_MS }),
    (report) => {
      waits.push(...report.waitedMs);
      sizes.push(report.size);
      reasons[report.reason] = (reasons[report.reason] ?? 0) + 1;
    },
  );
  // Timers that fire late (a busy or shared CPU) add wait no batcher can avoid: measured and reported.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const batched = await closedLoop(BATCHED_REQUESTS, async (request) =>
    tokensOf(await batcher.submit(request, new AbortController().signal)),
  );
  loopDelay.disable();
  const unbatched = await closedLoop(UNBATCHED_REQUESTS, async (request) =>
    tokensOf(pool.stream(request, new AbortController().signal)),
  );

  const idealTps = (MAX_BATCH / (a + b * MAX_BATCH)) * 1000;
  const idealUnbatchedTps = (1 / (a + b)) * 1000;
  const meanBatch = sizes.reduce((s, n) => s + n, 0) / Math.max(1, sizes.length);
  console.log(`static-batching simulator at ${replica.url}: step cost a + b·N with a = ${a} ms, b = ${b} ms`);
  console.log(
    `load: ${CLIENTS} closed-loop clients, ${TOKENS} tokens per request, max batch ${MAX_BATCH}, max wait ${MAX_WAIT_MS} ms`,
  );
  console.log(
    `batched:   ${batched.tokens} tokens in ${batched.seconds.toFixed(2)} s = ${batched.tps.toFixed(1)} tok/s`,
  );
  console.log(
    `           ${sizes.length} batches, mean size ${meanBatch.toFixed(2)}, flushes ${JSON.stringify(reasons)}`,
  );
  console.log(
    `unbatched: ${unbatched.tokens} tokens in ${unbatched.seconds.toFixed(2)} s = ${unbatched.tps.toFixed(1)} tok/s`,
  );
  console.log(
    `ideal at batch ${MAX_BATCH}: ${idealTps.toFixed(1)} tok/s; ideal unbatched: ${idealUnbatchedTps.toFixed(1)} tok/s`,
  );
  console.log(
    `event loop delay during the batched run: p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
  );
  const result = {
    batched_tps: Number(batched.tps.toFixed(1)),
    unbatched_tps: Number(unbatched.tps.toFixed(1)),
    ideal_tps: Number(idealTps.toFixed(1)),
    ideal_unbatched_tps: Number(idealUnbatchedTps.toFixed(1)),
    speedup: Number((batched.tps / unbatched.tps).toFixed(2)),
    fraction_of_ideal: Number((batched.tps / idealTps).toFixed(3)),
    p50_added_wait_ms: Number(percentile(waits, 50).toFixed(2)),
    p99_added_wait_ms: Number(percentile(waits, 99).toFixed(2)),
    max_wait_ms: MAX_WAIT_MS,
    event_loop_delay_p99_ms: Number((loopDelay.percentile(99) / 1e6).toFixed(2)),
    event_loop_delay_max_ms: Number((loopDelay.max / 1e6).toFixed(2)),
    max_batch_size: MAX_BATCH,
    mean_batch_size: Number(meanBatch.toFixed(2)),
    tokens_per_request: TOKENS,
    batched_requests: BATCHED_REQUESTS,
    unbatched_requests: UNBATCHED_REQUESTS,
    a_ms: a,
    b_ms: b,
  };
  console.log(JSON.stringify(result));
} finally {
  await replica.stop();
}
