/** `kpo topics [--create]`: checks (or creates) the pipeline topics and their partition counts. */
import type { Command } from 'commander';
import { checkTopics, ensureTopics } from '../../shared/pipeline/ensure-topics.ts';
import { pipelineTopicSpecs } from '../../shared/pipeline/pipeline-topics.ts';
import { createKafkaClient, kafkaConnectionOptions } from '../../shared/kafka/create-kafka-client.ts';
import { loadConfig, requireBrokers } from '../cli-context.ts';
import { checkServices } from '../service-checks.ts';

export function registerTopicsCommand(program: Command): void {
  program
    .command('topics')
    .description('check the pipeline topics and partition counts; --create makes the missing ones')
    .option('--create', 'create missing topics')
    .option('--json', 'print JSON')
    .action(async (options: { create?: boolean; json?: boolean }) => {
      const config = loadConfig();
      await checkServices(config, {});
      const admin = createKafkaClient({
        brokers: requireBrokers(config),
        clientId: 'kpo-topics',
        ...kafkaConnectionOptions(config.kafka),
      }).createAdmin();
      await admin.connect();
      try {
        const specs = pipelineTopicSpecs(config);
        const checks = options.create ? await ensureTopics(admin, specs) : await checkTopics(admin, specs);
        if (options.json) console.log(JSON.stringify(checks));
        else
          for (const c of checks)
            console.log(
              `${c.status.padEnd(18)} ${c.topic} (${c.actualPartitions ?? '-'}/${c.expectedPartitions} partitions)`,
            );
        if (checks.some((c) => c.status !== 'ok' && c.status !== 'created')) process.exitCode = 3;
      } finally {
        await admin.close();
      }
    });
}
