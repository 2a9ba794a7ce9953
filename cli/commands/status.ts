/**
 * `kpo status [--json]`: per stage — consumers and lag from the brokers,
 * in-flight, throughput and p99 task duration from the workers' /metrics
 * (found through their registration files, see
 * shared/metrics/worker-endpoint-registry.ts). Register with
 * registerStatusCommand(program) in cli/kpo.ts.
 */
import type { Command } from 'commander';
import { createKafkaClient, kafkaConnectionOptions } from '../../shared/kafka/create-kafka-client.ts';
import { loadConfig, requireBrokers } from '../cli-context.ts';
import { formatStatus } from '../status/format-status.ts';
import { KafkajsGroupDescriber } from '../status/group-describer.ts';
import { runStatus, stageTargetsOf } from '../status/run-status.ts';
import { checkServices } from '../service-checks.ts';

interface StatusCommandOptions {
  readonly json?: boolean;
  readonly sampleMs?: string;
  readonly workersDir?: string;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('per stage: consumers, lag, in-flight, throughput, p99 task duration')
    .option('--json', 'print the report as JSON')
    .option('--sample-ms <ms>', 'throughput sampling window', '1000')
    .option('--workers-dir <dir>', 'where workers register their /metrics (default .kpo/workers)')
    .action(async (options: StatusCommandOptions) => {
      const config = loadConfig();
      const brokers = requireBrokers(config);
      const stages = stageTargetsOf(config);
      await checkServices(config, { topics: stages.map((s) => s.inputTopic) });
      const admin = createKafkaClient({
        brokers,
        clientId: 'kpo-status',
        logLevel: 'nothing',
        ...kafkaConnectionOptions(config.kafka),
      }).createAdmin();
      const groups = new KafkajsGroupDescriber(brokers);
      await Promise.all([admin.connect(), groups.connect()]);
      try {
        const report = await runStatus({
          stages,
          admin,
          groups,
          sampleMs: Number(options.sampleMs ?? 1000),
          ...(options.workersDir ? { workersDir: options.workersDir } : {}),
        });
        console.log(options.json ? JSON.stringify(report, null, 2) : formatStatus(report));
      } finally {
        await Promise.allSettled([admin.close(), groups.close()]);
      }
    });
}
