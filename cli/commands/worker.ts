/** `kpo worker <stage>`: runs one worker of a stage node of the pipeline graph; start more of them to scale out. */
import type { Command } from 'commander';
import { findStage, loadStageGraph } from '../../shared/pipeline/load-stage-graph.ts';
import type { StageNode } from '../../shared/pipeline/pipeline-graph.ts';
import { requestBacklogWatches } from '../../shared/pipeline/request-backlog-watches.ts';
import { runStageHost } from '../../shared/runtime/stage-host.ts';
import { loadConfig } from '../cli-context.ts';
import { checkServices } from '../service-checks.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run one worker of a stage (a consumer-group member); replicas are more of these')
    .argument(
      '<stage>',
      'a stage of the pipeline graph: rag | assemble | inference | post | stream by default',
    )
    .action(async (name: string) => {
      const config = loadConfig();
      const stages = await loadStageGraph(config);
      const { node, definition } = findStage(stages, name);
      await checkServices(config, {
        topics: [node.input, node.output, `${node.input}${config.topics.deadLetterSuffix}`],
        registry: true,
        redis: stageUsesRedis(node, config.endpoints.redisUrl),
      });
      const requestBacklog = requestBacklogWatches(
        stages.map((stage) => stage.node),
        node,
        config.groupPrefix,
      );
      await runStageHost({ config, node, definition, requestBacklog });
      // The worker serves until a signal or a failure, and then ends the process itself (run-stage-worker):
      // resolving here would let kpo.ts exit a finished command, and with it the running worker.
      await new Promise<never>(() => undefined);
    });
}

/** History (assemble, stream) and generation leases / routing hints (inference, when Redis is configured). */
function stageUsesRedis(node: StageNode, redisUrl: string | undefined): boolean {
  return (
    node.uses === 'assemble' ||
    node.uses === 'stream' ||
    (node.uses === 'inference' && redisUrl !== undefined)
  );
}
