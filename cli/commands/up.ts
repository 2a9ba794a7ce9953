/**
 * `kpo up` (npm start) and `kpo demo` (npm run demo): the whole pipeline as
 * separate processes on this machine. up opens a chat when there is a
 * terminal and streams the demo when there is not; demo runs the sample
 * conversations and ends with one JSON line of figures. Ctrl-C stops all.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { createCliContext, createPromptClient, loadConfig } from '../cli-context.ts';
import { checkServicesOutsideStack } from '../service-checks.ts';
import { runChat } from './chat.ts';
import { runDemo } from '../demo/run-demo.ts';
import { startLocalPipeline, type LocalPipeline } from '../local-pipeline/local-pipeline.ts';
import { loadPipelineConfig } from '../../shared/config/load-pipeline-config.ts';
import { DEFAULT_GATEWAY_PORT, portNumber, runGatewayUntilSignal } from './gateway.ts';
import { LOCAL_MODEL_KINDS, type LocalModelKind } from '../local-pipeline/model-replicas.ts';

async function withPipeline(
  model: LocalModelKind,
  body: (pipeline: LocalPipeline) => Promise<number>,
): Promise<number> {
  await checkServicesOutsideStack(loadConfig());
  const pipeline = await startLocalPipeline({ model, log: (line) => console.error(`kpo: ${line}`) });
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('kpo: stopping workers and model servers…');
    void pipeline.stop().then(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await body(pipeline);
  } finally {
    await pipeline.stop();
  }
}

async function demo(pipeline: LocalPipeline): Promise<number> {
  const client = createPromptClient(await createCliContext('kpo-demo', pipeline.config), 60_000);
  try {
    const figures = await runDemo(client, (line) => console.log(line));
    console.log(JSON.stringify({ model: pipeline.modelName, ...figures }));
    return figures.errors === 0 && figures.completed === figures.requests ? 0 : 1;
  } finally {
    await client.close();
  }
}

function modelKind(value: string): LocalModelKind {
  const kind = LOCAL_MODEL_KINDS.find((k) => k === value);
  if (kind === undefined) throw new InvalidArgumentError(`expected one of ${LOCAL_MODEL_KINDS.join(', ')}`);
  return kind;
}

const MODEL_FLAG_HELP =
  'model server when pipeline.yaml lists none: local (SmolLM2-135M on CPU) or sim (the simulator)';

export function registerUpCommands(program: Command): void {
  program
    .command('up')
    .description(
      'start the local stack, topics, a model server and one worker per stage; then chat (or demo without a terminal), or serve the OpenAI-compatible gateway (--gateway)',
    )
    .option('--model <kind>', MODEL_FLAG_HELP, modelKind, 'local')
    .option('--gateway', 'serve the pipeline as an OpenAI-compatible API until Ctrl-C or SIGTERM')
    .option('-p, --port <port>', 'gateway port (0 = any free port)', portNumber, DEFAULT_GATEWAY_PORT)
    .action(async (options: { model: LocalModelKind; gateway?: boolean; port: number }) => {
      process.exitCode = await withPipeline(options.model, async (pipeline) => {
        if (options.gateway) {
          // The workers' environment names the model servers and what they serve.
          const config = loadPipelineConfig({ env: { ...process.env, ...pipeline.env } });
          await runGatewayUntilSignal(config, options.port, '127.0.0.1');
          return 0;
        }
        if (!process.stdin.isTTY) return demo(pipeline);
        await runChat(await createCliContext('kpo-chat', pipeline.config), randomUUID(), 'default');
        return 0;
      });
    });
  program
    .command('demo')
    .description('run sample prompts through all five stages, print their tokens and a JSON line of figures')
    .option('--model <kind>', MODEL_FLAG_HELP, modelKind, 'local')
    .action(async (options: { model: LocalModelKind }) => {
      process.exitCode = await withPipeline(options.model, demo);
    });
}
