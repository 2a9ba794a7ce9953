/**
 * kpo: the command line of kafka-prompt-orchestrator.
 *   kpo up | demo | chat | produce | consume | topics | worker <stage> | status | gateway
 */
import { Command } from 'commander';
import { KpoError } from '../shared/errors/kpo-error.ts';
import { registerConsumeCommand } from './commands/consume.ts';
import { registerProduceCommand } from './commands/produce.ts';
import { registerTopicsCommand } from './commands/topics.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { registerChatCommand } from './commands/chat.ts';
import { registerUpCommands } from './commands/up.ts';
import { registerStatusCommand } from './commands/status.ts';
import { registerGatewayCommand } from './commands/gateway.ts';

const program = new Command('kpo').description(
  'Kafka-backed, horizontally scalable workers for LLM pipelines',
);
registerTopicsCommand(program);
registerProduceCommand(program);
registerConsumeCommand(program);
registerWorkerCommand(program);
registerChatCommand(program);
registerUpCommands(program);
registerStatusCommand(program);
registerGatewayCommand(program);

// A finished command exits even when a client library still holds a timer or socket (e.g. kafkajs retrying a
// metadata request): no command outlives its work.
program.parseAsync(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    const message =
      error instanceof KpoError
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error);
    console.error(`kpo: ${message}`);
    process.exit(1);
  },
);
