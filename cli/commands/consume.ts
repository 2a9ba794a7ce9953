/** `kpo consume`: tails the output topic and prints every client event as a JSON line. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { createCliContext, loadConfig } from '../cli-context.ts';
import { checkServices } from '../service-checks.ts';

export function registerConsumeCommand(program: Command): void {
  program
    .command('consume')
    .description('tail the output topic (client events as JSON lines)')
    .option('--from-beginning', 'start at the earliest event')
    .option('-t, --topic <name>', 'topic to tail (default: the output topic)')
    .action(async (options: { fromBeginning?: boolean; topic?: string }) => {
      const config = loadConfig();
      const topic = options.topic ?? config.topics.output;
      await checkServices(config, { topics: [topic], registry: true });
      const { kafka, codecs } = await createCliContext('kpo-consume', config);
      const consumer = kafka.createConsumer({ groupId: `kpo-consume-${randomUUID()}` });
      await consumer.subscribe([topic], {
        fromBeginning: options.fromBeginning ?? false,
      });
      await consumer.run({
        onBatch: async (batch) => {
          for (const record of batch.records) {
            if (!record.value) continue;
            try {
              const event = await codecs.clientEvent.decode(record.value);
              console.log(JSON.stringify({ partition: batch.partition, offset: record.offset, ...event }));
            } catch (error) {
              console.log(
                JSON.stringify({
                  partition: batch.partition,
                  offset: record.offset,
                  undecodable: String(error),
                }),
              );
            }
          }
          return batch.records.length;
        },
      });
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await consumer.close();
    });
}
