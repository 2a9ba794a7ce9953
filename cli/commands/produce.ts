/** `kpo produce --session S "text"`: submits one prompt; --follow prints its events until the terminal one. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { createCliContext, createPromptClient, loadConfig } from '../cli-context.ts';
import { checkServices } from '../service-checks.ts';
import { printEvent } from '../print-event.ts';

export function registerProduceCommand(program: Command): void {
  program
    .command('produce')
    .description('submit a prompt to the input topic')
    .argument('<text>', 'the user turn')
    .option('-s, --session <id>', 'session ID (default: a new one)')
    .option('-m, --model <name>', 'model name', 'default')
    .option('--max-tokens <n>', 'max tokens', (v) => Number(v), 128)
    .option('-f, --follow', 'stream the events until the terminal one')
    .action(
      async (
        text: string,
        options: { session?: string; model: string; maxTokens: number; follow?: boolean },
      ) => {
        const config = loadConfig();
        const { prompts, output, cancel } = config.topics;
        await checkServices(config, { topics: [prompts, output, cancel], registry: true });
        const client = createPromptClient(await createCliContext('kpo-produce', config));
        try {
          const submitted = await client.submit({
            sessionId: options.session ?? randomUUID(),
            messages: [{ role: 'user', content: text }],
            model: options.model,
            maxTokens: options.maxTokens,
          });
          console.error(`request ${submitted.requestId} session ${submitted.sessionId}`);
          if (options.follow) {
            for await (const event of submitted.events) {
              printEvent(event);
              if (event.type !== 'done' && event.type !== 'token') process.exitCode = 1;
            }
          }
        } finally {
          await client.close();
        }
      },
    );
}
