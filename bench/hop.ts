/**
 * One stage hop through StageWorker vs a plain kafkajs consume→produce
 * pass-through, same broker, same run. What each side does per record:
 *   raw:     kafkajs eachBatch; forwards key and value bytes unchanged (no codec) and writes the
 *            de-dup identity headers (kpo-request-id = first 16 bytes of the value, kpo-seq 0,
 *            kpo-attempt 1, kpo-stage bench); sends the batch in chunks of MAX_PRODUCE_BATCH
 *            (idempotent, acks=all, one request in flight); kafkajs auto-commits.
 *            (shared/kafka/kafkajs/kafkajs-pass-through.ts)
 *   runtime: StageWorker with a pass-through byte codec (decode/encode return the bytes) and a
 *            handler that emits its input: the same key, value and the same four headers, plus
 *            everything the runtime does (session order, budget, retries, tracked offsets,
 *            coalesced idempotent acks=all sends of up to MAX_PRODUCE_BATCH, commits every 100 ms).
 * Neither side decodes or re-encodes the value, so both pay the same codec work (none) and encode
 * the same headers (the runtime hands kafkajs precomputed Buffers for the constant values, the raw
 * side strings, as a plain program would); the difference is the runtime's own cost. One more
 * difference is by design: the raw loop awaits each send before kafkajs fetches again, the
 * runtime keeps taking records while outputs are on the wire. Per path:
 *   throughput: a backlog of BACKLOG records drained, records/s from first to last output, and the
 *               process CPU (user + system) per record meanwhile (includes the output watcher);
 *   latency:    PACED records sent at RATE/s while the path is idle, produce → output seen.
 * After a small warm-up of both paths (JIT), ROUNDS rounds alternate raw and runtime so load from
 * other processes on the machine hits both alike; the medians are reported. Prints both and, last,
 * one JSON line.
 * Env: KAFKA_BROKERS (default: the local stack), BACKLOG (50000), PACED (2000), RATE (1000),
 * ROUNDS (5), CLIENTS (kafkajs,confluent: the runtime path once per client library; default both where
 * the librdkafka client is installed, else kafkajs), SESSIONS (10000), CONCURRENCY (4000), QUEUE_DEPTH (4 × CONCURRENCY),
 * MAX_PRODUCE_BATCH (1000; kafkajs groups a request's messages per partition in quadratic time,
 * so much larger requests get slower), ONLY (raw | runtime: run one path only, no comparison,
 * e.g. under node --cpu-prof), DEBUG_PAUSES (print the runtime's pauses and produce requests).
 * The runtime runs a pass-through handler with high concurrency: a hop's throughput is bounded by
 * concurrency / produce round trip, since each handler awaits the broker's ack of its output.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  benchBrokers,
  benchClients,
  benchStageTopics,
  bytesCodec,
  deadLetterJsonCodec,
} from './bench-kafka-kit.ts';
import { createKafkaClient } from '../shared/kafka/create-kafka-client.ts';
import type { KafkaClientName } from '../shared/kafka/kafka-client-name.ts';
import { startKafkajsPassThrough } from '../shared/kafka/kafkajs/kafkajs-pass-through.ts';
import type { KafkaClientPort, OutgoingRecord } from '../shared/kafka/kafka-port.ts';
import { BatchingProducer } from '../shared/runtime/batching-producer.ts';
import { StageWorker } from '../shared/runtime/stage-worker.ts';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const BACKLOG = num('BACKLOG', 50_000);
const PACED = num('PACED', 2_000);
const RATE = num('RATE', 1_000);
const ROUNDS = num('ROUNDS', 5);
const SESSIONS = num('SESSIONS', 10_000);
const CONCURRENCY = num('CONCURRENCY', 4_000);
const MAX_PRODUCE_BATCH = num('MAX_PRODUCE_BATCH', 1_000);
const QUEUE_DEPTH = num('QUEUE_DEPTH', Math.max(512, CONCURRENCY * 4));
const PARTITIONS = 3;

/** The request ID both paths write: the first 16 bytes of the value. */
const requestIdOf = (value: Buffer | null): string => value?.subarray(0, 16).toString('latin1') ?? '';
const ONLY = process.env.ONLY;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface PathResult {
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
  /** Process CPU (user + system) per record while the backlog drained, µs; includes the output watcher. */
  readonly cpuUs: number;
}

/** Watches the output topic: counts outputs, records receive time of paced ones (value = "<id>:<sentAt>"). */
async function watchOutput(kafka: KafkaClientPort, topic: string, group: string) {
  const state = { count: 0, first: 0, last: 0, latencies: [] as number[] };
  const consumer = kafka.createConsumer({ groupId: group, maxWaitTimeMs: 100 });
  await consumer.subscribe([topic], { fromBeginning: true });
  await consumer.run({
    onBatch: (batch) => {
      const now = performance.timeOrigin + performance.now();
      for (const record of batch.records) {
        state.count += 1;
        if (state.first === 0) state.first = now;
        state.last = now;
        const text = record.value?.toString('utf8') ?? '';
        if (text.startsWith('p:')) state.latencies.push(now - Number(text.split(':')[2]));
      }
      return batch.records.length;
    },
  });
  return { state, close: () => consumer.close() };
}

/** DEBUG_PAUSES: counts the worker's produce requests. */
function countingSends(
  kafka: KafkaClientPort,
  sends: { requests: number; records: number },
): KafkaClientPort {
  return {
    createConsumer: (options) => kafka.createConsumer(options),
    createPartitionReader: (options) => kafka.createPartitionReader(options),
    createAdmin: () => kafka.createAdmin(),
    createProducer: () => {
      const producer = kafka.createProducer();
      return {
        connect: () => producer.connect(),
        close: () => producer.close(),
        send: (records) => {
          sends.requests += 1;
          sends.records += records.length;
          return producer.send(records);
        },
      };
    },
  };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function runPath(
  kafka: KafkaClientPort,
  name: 'runtime' | 'raw',
  BACKLOG: number,
  PACED: number,
): Promise<PathResult> {
  const base = `bench-hop-${name}-${Date.now().toString(36)}`;
  const stage = await benchStageTopics(kafka, base, PARTITIONS);
  const { input, output, producer } = stage;
  const backlog: OutgoingRecord[] = [];
  for (let i = 0; i < BACKLOG; i += 1) {
    backlog.push({ topic: input, key: `s${i % SESSIONS}`, value: Buffer.from(`b:${i}:0:${'x'.repeat(64)}`) });
  }
  for (let i = 0; i < backlog.length; i += 2_000) await producer.send(backlog.slice(i, i + 2_000));
  const watcher = await watchOutput(kafka, output, `${base}-watch`);

  let stop: () => Promise<void>;
  let pauses = 0;
  const sends = { requests: 0, records: 0 };
  const cpuAtStart = process.cpuUsage();
  if (name === 'runtime') {
    const worker = new StageWorker<Buffer, Buffer>({
      stage: 'bench',
      groupId: `${base}-g`,
      inputTopic: input,
      outputTopic: output,
      kafka: process.env.DEBUG_PAUSES ? countingSends(kafka, sends) : kafka,
      handler: {
        identify: (value) => ({ requestId: requestIdOf(value), sessionId: 'bench' }),
        handle: (value, context) => context.emit(value),
      },
      inputCodec: bytesCodec,
      outputCodec: bytesCodec,
      deadLetterCodec: deadLetterJsonCodec,
      settings: { concurrency: CONCURRENCY, queueDepth: QUEUE_DEPTH },
      maxProduceBatch: MAX_PRODUCE_BATCH,
      instrumentation: { onPaused: () => (pauses += 1) },
    });
    await worker.start();
    stop = () => worker.stop();
  } else {
    const raw = await startKafkajsPassThrough({
      brokers: benchBrokers(),
      groupId: `${base}-g`,
      inputTopic: input,
      outputTopic: output,
      stage: 'bench',
      requestIdOf,
      maxSendRecords: MAX_PRODUCE_BATCH,
    });
    stop = () => raw.stop();
  }

  await waitUntil(() => watcher.state.count >= BACKLOG, 120_000, `${name}: backlog drained`);
  const rps = (BACKLOG - 1) / ((watcher.state.last - watcher.state.first) / 1000);
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuUs = (cpu.user + cpu.system) / BACKLOG;
  if (process.env.DEBUG_PAUSES)
    console.log(
      `${name}: paused ${pauses} times while draining; ${sends.requests} produce requests, ${(sends.records / sends.requests).toFixed(0)} records each`,
    );
  await sleep(500);

  // Paced inputs go through a coalescing producer so the input side never queues behind itself.
  const paced = new BatchingProducer(producer, 500);
  const intervalMs = 1000 / RATE;
  const startedAt = performance.now();
  for (let i = 0; i < PACED; i += 1) {
    const due = startedAt + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sentAt = performance.timeOrigin + performance.now();
    void paced.send({ topic: input, key: `s${i % SESSIONS}`, value: Buffer.from(`p:${i}:${sentAt}`) });
  }
  await waitUntil(() => watcher.state.latencies.length >= PACED, 60_000, `${name}: paced outputs`);
  const sorted = [...watcher.state.latencies].sort((a, b) => a - b);

  await stop();
  await watcher.close();
  await stage.remove([`${base}-g`, `${base}-watch`]);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), rps, cpuUs };
}

function median(results: readonly PathResult[]): PathResult {
  const mid = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    p50: mid(results.map((r) => r.p50)),
    p99: mid(results.map((r) => r.p99)),
    rps: mid(results.map((r) => r.rps)),
    cpuUs: mid(results.map((r) => r.cpuUs)),
  };
}

// The runtime path runs once per client library (CLIENTS, default: both where the librdkafka client is
// installed); the raw baseline is always kafkajs. Each client's watcher and admin use that client.
const clientNames = benchClients();
const clients = new Map(
  clientNames.map((client) => [
    client,
    createKafkaClient({ brokers: benchBrokers(), logLevel: 'nothing', client }),
  ]),
);
const kafka = createKafkaClient({ brokers: benchBrokers(), logLevel: 'nothing', client: 'kafkajs' });
const fmt = (r: PathResult): string =>
  `p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  ${Math.round(r.rps)} records/s  ${r.cpuUs.toFixed(1)} µs CPU/record`;
if (ONLY === 'raw' || ONLY === 'runtime') {
  // One path only (for profiling with node --cpu-prof); no comparison, no JSON line.
  const only = ONLY === 'raw' ? kafka : clients.values().next().value!;
  for (let round = 1; round <= ROUNDS; round += 1)
    console.log(`${ONLY} round ${round}: ${fmt(await runPath(only, ONLY, BACKLOG, PACED))}`);
  process.exit(0);
}
await runPath(kafka, 'raw', 2_000, 200);
for (const client of clients.values()) await runPath(client, 'runtime', 2_000, 200);
const raws: PathResult[] = [];
const runtimes = new Map<KafkaClientName, PathResult[]>(clientNames.map((name) => [name, []]));
for (let round = 1; round <= ROUNDS; round += 1) {
  raws.push(await runPath(kafka, 'raw', BACKLOG, PACED));
  const line = [`round ${round}: raw ${fmt(raws.at(-1)!)}`];
  for (const [name, client] of clients) {
    const result = await runPath(client, 'runtime', BACKLOG, PACED);
    runtimes.get(name)!.push(result);
    line.push(`runtime/${name} ${fmt(result)}`);
  }
  console.log(line.join(' | '));
}
const raw = median(raws);
console.log(`median of ${ROUNDS} rounds`);
console.log(`raw kafkajs pass-through:      ${fmt(raw)}`);
const figures: Record<string, number> = {};
for (const [name, results] of runtimes) {
  const runtime = median(results);
  console.log(`StageWorker runtime, ${name.padEnd(9)}: ${fmt(runtime)}`);
  console.log(
    `  ratios vs raw: p50 ${(runtime.p50 / raw.p50).toFixed(2)}x (target <= 1.2)  p99 ${(runtime.p99 / raw.p99).toFixed(2)}x (target <= 1.5)  throughput ${((runtime.rps / raw.rps) * 100).toFixed(0)}% (target >= 80%)`,
  );
  // kafkajs keeps the keys earlier runs printed; other clients' keys carry their name.
  const prefix = name === 'kafkajs' ? 'runtime' : `runtime_${name}`;
  figures[`${prefix}_p50_ms`] = Number(runtime.p50.toFixed(3));
  figures[`${prefix}_p99_ms`] = Number(runtime.p99.toFixed(3));
  figures[`${prefix}_rps`] = Math.round(runtime.rps);
  figures[`${prefix}_cpu_us_per_record`] = Number(runtime.cpuUs.toFixed(2));
}
console.log(
  JSON.stringify({
    ...figures,
    raw_p50_ms: Number(raw.p50.toFixed(3)),
    raw_p99_ms: Number(raw.p99.toFixed(3)),
    raw_rps: Math.round(raw.rps),
    raw_cpu_us_per_record: Number(raw.cpuUs.toFixed(2)),
    clients: clientNames.join(','),
    backlog: BACKLOG,
    paced: PACED,
    rate_per_s: RATE,
    rounds: ROUNDS,
    partitions: PARTITIONS,
    concurrency: CONCURRENCY,
  }),
);
