/**
 * `npm run chaos`: the pipeline under crashes and faults (bench/chaos/chaos-run.ts), judged on the raw
 * output topic. Prints progress, then one JSON line:
 * {"requests","done","resumed","lost","duplicate_events","seq_gaps","multi_terminal","splices",
 *  "failed":{code:n},"kills","broker_restart_recovery_s","redis_restart_failed"}.
 * Env: DURATION_S (60), RATE (4 req/s), CLIENTS (4), KILL_EVERY_MS (2500), PROMPTS (24),
 * MAX_TOKENS (48), DRAIN_S (120). Uses the local stack (started if needed; source your env file).
 */
import { runChaos } from './chaos/chaos-run.ts';

const num = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

const figures = await runChaos({
  durationMs: num('DURATION_S', 60) * 1_000,
  rate: num('RATE', 4),
  clients: num('CLIENTS', 4),
  killEveryMs: num('KILL_EVERY_MS', 2_500),
  prompts: num('PROMPTS', 24),
  maxTokens: num('MAX_TOKENS', 48),
  drainTimeoutMs: num('DRAIN_S', 120) * 1_000,
  log: (line) => console.error(`[chaos] ${line}`),
});
console.log(JSON.stringify(figures));
process.exit(0);
