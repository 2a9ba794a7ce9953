/**
 * Where the requests a stage admitted wait further down: the other stages
 * whose input carries one record per request (prompts, retrieval results,
 * assembled prompts), by consumer group and input topic. Token chunks and
 * client events are per chunk, not per request, so they are not counted.
 */
import type { BacklogWatch } from '../runtime/request-backlog-probe.ts';
import type { StageMessageKind } from '../runtime/stage-definition.ts';
import type { StageNode } from './pipeline-graph.ts';

const PER_REQUEST_KINDS: ReadonlySet<StageMessageKind> = new Set([
  'promptRequest',
  'retrievalResult',
  'assembledPrompt',
]);

export function requestBacklogWatches(
  nodes: readonly StageNode[],
  self: StageNode,
  groupPrefix: string,
): BacklogWatch[] {
  return nodes
    .filter((node) => node.name !== self.name && PER_REQUEST_KINDS.has(node.inputKind))
    .map((node) => ({ groupId: `${groupPrefix}-${node.name}`, topic: node.input }));
}
