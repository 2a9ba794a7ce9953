/**
 * `kpo gateway`: the OpenAI-compatible HTTP gateway in front of a running
 * pipeline, until Ctrl-C or SIGTERM. Run more of them behind a load balancer
 * to scale out; each reads only the output partitions its requests map to.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { createLogger } from '../../shared/logging/create-logger.ts';
import type { PipelineConfig } from '../../shared/config/pipeline-config-schema.ts';
import { startGateway } from '../../gateway/start-gateway.ts';
import { loadConfig } from '../cli-context.ts';

export const DEFAULT_GATEWAY_PORT = 8080;

export function portNumber(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new InvalidArgumentError('expected a port number 0-65535');
  }
  return port;
}

/** Runs a gateway until SIGINT/SIGTERM, printing `gateway listening on <url>` once it takes requests. */
export async function runGatewayUntilSignal(
  config: PipelineConfig,
  port: number,
  host: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const gateway = await startGateway({ config, port, host, env, logger: createLogger({ stage: 'gateway' }) });
  console.log(`gateway listening on ${gateway.url}`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  console.error(`kpo: ${signal}: stopping the gateway…`);
  await gateway.stop();
}

export function registerGatewayCommand(program: Command): void {
  program
    .command('gateway')
    .description('serve the pipeline as an OpenAI-compatible API (/v1/chat/completions, /v1/models)')
    .option('-p, --port <port>', 'port to listen on (0 = any free port)', portNumber, DEFAULT_GATEWAY_PORT)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .action(async (options: { port: number; host: string }) => {
      await runGatewayUntilSignal(loadConfig(), options.port, options.host);
    });
}
