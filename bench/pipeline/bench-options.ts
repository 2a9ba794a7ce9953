/** Command-line flags of bench:pipeline, with their defaults. */
import { Command } from 'commander';

export interface BenchOptions {
  /** Rates of the sweep, requests/s. */
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  readonly warmupSeconds: number;
  /** Requests of the sequential mode (one in flight). */
  readonly sequential: number;
  /** Per-rate length of the two baselines' runs. */
  readonly baselineSeconds: number;
  readonly maxTokens: number;
  /** How long a step waits for its last requests after the arrivals stop. */
  readonly drainSeconds: number;
  readonly modelReplicas: number;
  /** Keep sweeping after a saturated step (default: stop, the backlog would spoil later steps). */
  readonly keepGoing: boolean;
  readonly surge: boolean;
  /** Steady rate of the surge run; default half of max_sustainable_rps of this run's sweep. */
  readonly surgeBase: number | undefined;
  readonly surgeSeconds: number;
  readonly outDir: string;
  /** Write a CPU profile of every worker here (node --cpu-prof). */
  readonly profileDir: string | undefined;
  /**
   * How requests go in and events come out: `client` = the project's PromptClient (what applications,
   * `kpo chat` and the gateway use; default), `raw` = the bench's own producer and a consumer of the whole
   * output topic (the pipeline alone, without the client's cost).
   */
  readonly via: 'client' | 'raw';
  /** --via client: PromptClient's partitionLingerMs (undefined = the client's default). */
  readonly partitionLingerMs: number | undefined;
}

const numbers = (text: string): number[] =>
  text.split(',').map((part) => {
    const value = Number(part);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--rates: "${part}" is not a positive number`);
    return value;
  });

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const program = new Command('bench:pipeline')
    .option('--rates <list>', 'comma-separated request rates of the sweep', '10,25,50,100,200,400')
    .option('--step-seconds <s>', 'length of each rate step', '20')
    .option('--warmup-seconds <s>', 'warm-up before the sweep (not measured)', '5')
    .option('--sequential <n>', 'requests in the sequential mode (0 = skip)', '200')
    .option('--baseline-seconds <s>', 'length of each baseline run per rate', '5')
    .option('--max-tokens <n>', 'max_tokens of every request', '64')
    .option('--drain-seconds <s>', 'wait for a step’s last requests', '20')
    .option('--model-replicas <n>', 'simulator replicas', '2')
    .option('--keep-going', 'keep sweeping after a saturated step')
    .option('--no-sweep', 'skip the rate sweep')
    .option('--surge', 'run the surge scenario (steady, 10x for --surge-seconds, steady again)')
    .option('--surge-base <rps>', 'steady rate of the surge run (default: half of max_sustainable_rps)')
    .option('--surge-seconds <s>', 'length of the 10x surge', '30')
    .option('--out <dir>', 'where the JSON and SVG go', '.kpo/bench/pipeline')
    .option('--profile <dir>', 'write a CPU profile of every worker (node --cpu-prof) into this directory')
    .option(
      '--via <path>',
      'client (the PromptClient, default) or raw (own producer and output-topic consumer)',
      'client',
    )
    .option(
      '--partition-linger-ms <ms>',
      "--via client: the client's partitionLingerMs (default: the client's)",
    )
    .exitOverride();
  program.parse([...argv], { from: 'user' });
  const o = program.opts<Record<string, string | boolean | undefined>>();
  const num = (name: string): number => {
    const value = Number(o[name]);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--${name}: "${String(o[name])}" is not a number ≥ 0`);
    return value;
  };
  return {
    rates: o.sweep === false ? [] : numbers(String(o.rates)),
    stepSeconds: num('stepSeconds'),
    warmupSeconds: num('warmupSeconds'),
    sequential: num('sequential'),
    baselineSeconds: num('baselineSeconds'),
    maxTokens: num('maxTokens'),
    drainSeconds: num('drainSeconds'),
    modelReplicas: num('modelReplicas'),
    keepGoing: o.keepGoing === true,
    surge: o.surge === true,
    surgeBase: o.surgeBase === undefined ? undefined : num('surgeBase'),
    surgeSeconds: num('surgeSeconds'),
    outDir: String(o.out),
    profileDir: typeof o.profile === 'string' ? o.profile : undefined,
    via: viaOf(String(o.via)),
    partitionLingerMs: o.partitionLingerMs === undefined ? undefined : num('partitionLingerMs'),
  };
}

function viaOf(text: string): 'client' | 'raw' {
  if (text === 'client' || text === 'raw') return text;
  throw new Error(`--via: "${text}" is not client or raw`);
}
