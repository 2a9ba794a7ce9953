/**
 * One local model replica as its own process:
 *   tsx infra/local-model/main.ts --port 8011 [--sequences 4] [--queue-depth 16] …
 * Prints `local-model loading on <url>` at once (/health answers 503), fetches
 * the model and engine into .kpo/local-model/ if missing, loads them, then prints
 * `local-model listening on <url> (replica <id>, model <name>)`. SIGTERM/SIGINT
 * abort running generations and exit 0.
 */
import { Command } from 'commander';
import { ensureLocalModelAssets, LOCAL_MODEL } from './local-model-assets.ts';
import { compileLocalModelOptions } from './local-model-options.ts';
import { startLocalModelServer } from './local-model-server.ts';
import { loadLlamaEngine } from './llama-engine.ts';

const program = new Command('local-model')
  .description('OpenAI-compatible / llama.cpp-shaped server for the local model (one replica)')
  .option('--port <n>', 'port (0 = any free port)')
  .option('--host <address>', 'address to listen on (default 127.0.0.1)')
  .option('--replica-id <name>', 'replica name in /metrics and /health')
  .option('--sequences <n>', 'context sequences generating at once')
  .option('--queue-depth <n>', 'requests that may wait for a sequence')
  .option('--context-size <n>', 'tokens per sequence')
  .option('--threads <n>', 'CPU threads (0 = all cores)');

program.parse();
const options = compileLocalModelOptions(program.opts<Record<string, string | undefined>>());
const server = await startLocalModelServer(options);
process.stdout.write(`local-model loading on ${server.url}\n`);

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void server.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

try {
  const assets = await ensureLocalModelAssets((line) => process.stderr.write(`${line}\n`));
  const engine = await loadLlamaEngine({ ...assets, ...options });
  if (stopping) {
    await engine.dispose();
  } else {
    server.serve(engine);
    process.stdout.write(
      `local-model listening on ${server.url} (replica ${server.replicaId}, model ${LOCAL_MODEL.id}, ${engine.sequences.length} sequences)\n`,
    );
  }
} catch (error) {
  process.stderr.write(`local-model: ${error instanceof Error ? error.message : String(error)}\n`);
  await server.close();
  process.exit(1);
}
