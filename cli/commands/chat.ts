/**
 * `kpo chat`: an interactive session. Each line is a user turn; its tokens
 * print as they stream. The session ID stays the same, so later turns see
 * earlier ones through the history the stream stage keeps in Redis.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { createCliContext, createPromptClient, loadConfig, type CliContext } from '../cli-context.ts';
import { checkServices } from '../service-checks.ts';
import { printEvent } from '../print-event.ts';

export function registerChatCommand(program: Command): void {
  program
    .command('chat')
    .description('chat interactively through the pipeline (Ctrl-D or /exit to leave)')
    .option('-s, --session <id>', 'session ID (default: a new one)')
    .option('-m, --model <name>', 'model name', 'default')
    .action(async (options: { session?: string; model: string }) => {
      const config = loadConfig();
      const { prompts, output, cancel } = config.topics;
      await checkServices(config, { topics: [prompts, output, cancel], registry: true });
      await runChat(
        await createCliContext('kpo-chat', config),
        options.session ?? randomUUID(),
        options.model,
      );
    });
}

export async function runChat(context: CliContext, sessionId: string, model: string): Promise<void> {
  const client = createPromptClient(context);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
  // Taken at once: lines that arrive while the client starts or an answer streams (piped input) wait here.
  const lines = rl[Symbol.asyncIterator]();
  console.log(`session ${sessionId}. Type a message; Ctrl-C during an answer cancels it, /exit leaves.`);
  try {
    await client.start();
    for (;;) {
      rl.prompt();
      const next = await lines.next();
      if (next.done === true) break; // stdin closed
      const line = next.value.trim();
      if (line === '/exit') break;
      if (line === '') continue;
      const submitted = await client.submit({
        sessionId,
        messages: [{ role: 'user', content: line }],
        model,
      });
      const cancel = (): void => void client.cancel(submitted.requestId, sessionId);
      rl.once('SIGINT', cancel);
      for await (const event of submitted.events) printEvent(event);
      rl.off('SIGINT', cancel);
    }
  } finally {
    rl.close();
    await client.close();
  }
}
