/**
 * `npm run chaos`: the pipeline under crashes and faults (bench/chaos/chaos-run.ts), judged on the raw
 * output topic. Prints progress, then one JSON line:
 * {"requests","done","resumed","lost","duplicate_events","seq_gaps","multi_terminal","splices",
 *  "failed":{code:n},"kills","broker_restart_recovery_s","redis_restart_failed"}.
 * Env: DURATION_S (60), RATE (4 req/s), CLIENTS (4), KILL_EVERY_MS (2500), PROMPTS (24),
 * MAX_TOKENS (48), DRAIN_S (120). Uses the local stack (started if needed; source your env file).
 * CHAOS_MODE=broker: no worker kills or faults; on a 3-broker local stack (started if needed) broker
 * CHAOS_BROKER (default 2) is SIGKILLed at 30% of the run and started again at 65%; adds
 * "broker_kill_recovery_s", "broker_rejoin_recovery_s" (time to steady latency after each step) and
 * "done_while_broker_down".
 */
import { stackUp } from '../infra/stack/local-stack.ts';
import { runChaos } from './chaos/chaos-run.ts';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const log = (line: string): void => console.error(`[chaos] ${line}`);
const mode = process.env.CHAOS_MODE ?? 'workers';
if (mode !== 'workers' && mode !== 'broker')
  throw new Error(`CHAOS_MODE=${mode}: expected workers or broker`);
if (mode === 'broker') await stackUp((line) => log(`stack: ${line}`), { brokers: 3 });

const figures = await runChaos({
  durationMs: num('DURATION_S', 60) * 1_000,
  rate: num('RATE', 4),
  clients: num('CLIENTS', 4),
  killEveryMs: num('KILL_EVERY_MS', 2_500),
  prompts: num('PROMPTS', 24),
  maxTokens: num('MAX_TOKENS', 48),
  drainTimeoutMs: num('DRAIN_S', 120) * 1_000,
  mode,
  brokerNode: num('CHAOS_BROKER', 2),
  log,
});
console.log(JSON.stringify(figures));
process.exit(0);
