/** `kpo worker <stage>`: runs one stage worker; start more of them to scale out. */
import { InvalidArgumentError, type Command } from 'commander';
import { STAGE_NAMES, type StageName } from '../../shared/config/pipeline-config-schema.ts';
import { stageTopics } from '../../shared/pipeline/pipeline-topics.ts';
import { loadConfig } from '../cli-context.ts';
import { checkServices } from '../service-checks.ts';
import { runWorker } from '../worker/run-worker.ts';

function stageName(value: string): StageName {
  if (!(STAGE_NAMES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${STAGE_NAMES.join(', ')}`);
  }
  return value as StageName;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run one worker of a stage (a consumer-group member); replicas are more of these')
    .argument('<stage>', STAGE_NAMES.join(' | '), stageName)
    .action(async (stage: StageName) => {
      const config = loadConfig();
      const { input, output, deadLetter } = stageTopics(config, stage);
      await checkServices(config, {
        topics: [input, output, deadLetter],
        registry: true,
        redis: stageUsesRedis(stage, config.endpoints.redisUrl),
      });
      await runWorker(stage);
      // The worker serves until a signal or a failure, and then ends the process itself (run-stage-worker):
      // resolving here would let kpo.ts exit a finished command, and with it the running worker.
      await new Promise<never>(() => undefined);
    });
}

/** History (assemble, stream) and generation leases / routing hints (inference, when Redis is configured). */
function stageUsesRedis(stage: StageName, redisUrl: string | undefined): boolean {
  return stage === 'assemble' || stage === 'stream' || (stage === 'inference' && redisUrl !== undefined);
}
