/**
 * One simulated model-server replica as its own process:
 *   tsx infra/model-sim/main.ts --port 8001 [--static-batching] [--error-rate 0.3] …
 * Every flag also has a MODEL_SIM_* environment variable (see sim-options.ts).
 * Prints one line `model-sim listening on <url>` once it accepts connections.
 */
import { Command } from 'commander';
import { compileSimOptions } from './sim-options.ts';
import { startSimServer } from './sim-server.ts';

const program = new Command('model-sim')
  .description('Simulated OpenAI-compatible / llama.cpp model server (one replica)')
  .option('--port <n>', 'port (0 = any free port)', Number)
  .option('--host <address>', 'address to listen on (default 127.0.0.1)')
  .option('--replica-id <name>', 'replica name in /metrics and /health')
  .option('--model-name <name>', 'model name reported by the server')
  .option('--ttft-base-ms <ms>', 'fixed part of time to first token', Number)
  .option('--prefill-ms-per-token <ms>', 'prefill cost per uncached prompt token', Number)
  .option('--inter-token-ms <ms>', 'inter-token latency of one sequence', Number)
  .option('--max-concurrent-sequences <n>', 'sequences decoded at once', Number)
  .option(
    '--slowdown-per-sequence <fraction>',
    'inter-token latency growth per extra running sequence',
    Number,
  )
  .option('--block-size <n>', 'tokens per prefix-cache block', Number)
  .option('--cache-capacity-blocks <n>', 'prefix-cache capacity in blocks (0 = off)', Number)
  .option('--static-batching', 'one call at a time; a step of N prompts costs a + b·N')
  .option('--batch-step-base-ms <ms>', 'static batching: a', Number)
  .option('--batch-step-per-prompt-ms <ms>', 'static batching: b', Number)
  .option('--fault-seed <n>', 'seed of the fault dice', Number)
  .option('--error-rate <fraction>', 'share of requests answered 500', Number)
  .option('--rate-limit-rate <fraction>', 'share of requests answered 429', Number)
  .option('--retry-after-seconds <s>', 'Retry-After on 429s', Number)
  .option('--hang-rate <fraction>', 'share of requests that hang after the headers', Number)
  .option('--cut-rate <fraction>', 'share of streams cut half-way', Number);

program.parse();
const options = compileSimOptions(program.opts<Record<string, string | number | boolean | undefined>>());
const sim = await startSimServer(options);
process.stdout.write(`model-sim listening on ${sim.url} (replica ${sim.replicaId})\n`);

const stop = () => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
