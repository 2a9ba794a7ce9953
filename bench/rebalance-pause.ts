/**
 * The rebalance pause of a stage under load, per Kafka client library: one
 * StageWorker (A) handles a paced stream; a second worker (B) joins the group,
 * later leaves. For the partitions that stayed with A across each step, the
 * figure is the longest time none of their records was handled (the gap
 * between two consecutive handled records of one such partition, within
 * WINDOW_MS after the step). Eager rebalancing (kafkajs) stops every partition
 * of the group; cooperative rebalancing (librdkafka, cooperative-sticky) moves
 * only the partitions that change owner. The steady gap before the join is
 * printed as the baseline. Stage settings are the pipeline's defaults
 * (heartbeat 3 s, session 30 s).
 * Env: KAFKA_BROKERS (default: the local stack), CLIENTS (kafkajs,confluent; default both where the
 * librdkafka client is installed), RATE (200 records/s), SESSIONS (600), PHASE_MS (9000: time before the
 * join, between join and leave, and after the leave), WINDOW_MS (6000). Prints one line per client and,
 * last, one JSON line.
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
import type { KafkaClientPort } from '../shared/kafka/kafka-port.ts';
import { StageWorker } from '../shared/runtime/stage-worker.ts';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const RATE = num('RATE', 200);
const SESSIONS = num('SESSIONS', 600);
const PHASE_MS = num('PHASE_MS', 9_000);
const WINDOW_MS = num('WINDOW_MS', 6_000);
const PARTITIONS = 6;

/** Handle times (ms, performance.now) per partition, per worker. */
type HandleLog = Map<number, number[]>;

function startWorker(kafka: KafkaClientPort, group: string, input: string, output: string, log: HandleLog) {
  return new StageWorker<Buffer, Buffer>({
    stage: 'bench',
    groupId: group,
    inputTopic: input,
    outputTopic: output,
    kafka,
    handler: {
      identify: (value) => ({ requestId: value.toString('latin1', 0, 16), sessionId: 'bench' }),
      handle: async (value, context) => {
        const times = log.get(context.source.partition) ?? [];
        times.push(performance.now());
        log.set(context.source.partition, times);
        await context.emit(value);
      },
    },
    inputCodec: bytesCodec,
    outputCodec: bytesCodec,
    deadLetterCodec: deadLetterJsonCodec,
  });
}

/** Longest gap between consecutive handle times of these partitions within [from, to]. */
function longestGap(log: HandleLog, partitions: readonly number[], from: number, to: number): number {
  let longest = 0;
  for (const partition of partitions) {
    const times = (log.get(partition) ?? []).filter((t) => t >= from && t <= to);
    for (let i = 1; i < times.length; i += 1) longest = Math.max(longest, times[i]! - times[i - 1]!);
    // A partition that stopped for good in the window counts until the window's end.
    if (times.length > 0) longest = Math.max(longest, to - times.at(-1)!);
    else longest = Math.max(longest, to - from);
  }
  return longest;
}

const handledIn = (log: HandleLog, from: number, to: number): number[] =>
  [...log].filter(([, times]) => times.some((t) => t >= from && t <= to)).map(([partition]) => partition);

interface PauseFigures {
  readonly steadyGapMs: number;
  readonly joinPauseMs: number;
  readonly leavePauseMs: number;
  readonly keptOnJoin: number;
  readonly keptOnLeave: number;
}

async function measure(client: KafkaClientName): Promise<PauseFigures> {
  const kafka = createKafkaClient({ brokers: benchBrokers(), logLevel: 'nothing', client });
  const base = `bench-rebalance-${client}-${Date.now().toString(36)}`;
  const stage = await benchStageTopics(kafka, base, PARTITIONS);
  const { input, output, producer } = stage;
  const logA: HandleLog = new Map();
  const logB: HandleLog = new Map();
  const a = startWorker(kafka, `${base}-g`, input, output, logA);
  await a.start();

  let sending = true;
  const pacer = (async () => {
    const started = performance.now();
    for (let i = 0; sending; i += 1) {
      const wait = started + (i * 1000) / RATE - performance.now();
      if (wait > 1) await sleep(wait);
      const id = `r${String(i).padStart(15, '0')}`;
      void producer.send([{ topic: input, key: `s${i % SESSIONS}`, value: Buffer.from(id) }]);
    }
  })();

  await sleep(PHASE_MS);
  const joinAt = performance.now();
  const b = startWorker(kafka, `${base}-g`, input, output, logB);
  await b.start();
  await sleep(PHASE_MS);
  const leaveAt = performance.now();
  await b.stop();
  await sleep(PHASE_MS);
  sending = false;
  await pacer;
  await a.stop();

  // Kept on join: A handled them before the join and after it, B never did. Kept on leave: A had them just before.
  const before = handledIn(logA, joinAt - 3_000, joinAt);
  const afterJoin = new Set(handledIn(logA, leaveAt - 3_000, leaveAt));
  const byB = new Set(logB.keys());
  const keptOnJoin = before.filter((p) => afterJoin.has(p) && !byB.has(p));
  const keptOnLeave = [...afterJoin];
  const figures: PauseFigures = {
    steadyGapMs: longestGap(logA, before, joinAt - WINDOW_MS, joinAt),
    joinPauseMs: longestGap(logA, keptOnJoin, joinAt, joinAt + WINDOW_MS),
    leavePauseMs: longestGap(logA, keptOnLeave, leaveAt, leaveAt + WINDOW_MS),
    keptOnJoin: keptOnJoin.length,
    keptOnLeave: keptOnLeave.length,
  };
  await stage.remove([`${base}-g`]);
  return figures;
}

const clientNames = benchClients();
const result: Record<string, number | string> = {};
for (const client of clientNames) {
  const f = await measure(client);
  console.log(
    `${client.padEnd(9)}: longest stop of a partition that stayed: join ${Math.round(f.joinPauseMs)} ms (${f.keptOnJoin} partitions kept), leave ${Math.round(f.leavePauseMs)} ms (${f.keptOnLeave} kept); steady longest gap ${Math.round(f.steadyGapMs)} ms`,
  );
  result[`${client}_join_pause_ms`] = Math.round(f.joinPauseMs);
  result[`${client}_leave_pause_ms`] = Math.round(f.leavePauseMs);
  result[`${client}_steady_gap_ms`] = Math.round(f.steadyGapMs);
  result[`${client}_kept_on_join`] = f.keptOnJoin;
}
console.log(JSON.stringify({ ...result, rate_per_s: RATE, partitions: PARTITIONS, phase_ms: PHASE_MS }));
process.exit(0);
