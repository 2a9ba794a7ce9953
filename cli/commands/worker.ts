/** `kpo worker <stage>`: runs one stage worker; start more of them to scale out. */
import { InvalidArgumentError, type Command } from 'commander';
import { STAGE_NAMES, type StageName } from '../../shared/config/pipeline-config-schema.ts';
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
      await runWorker(stage);
    });
}
