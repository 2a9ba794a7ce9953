/**
 * Loads the definition of every node of the pipeline graph and validates the
 * graph, so a bad pipeline fails at start naming what is wrong: an unknown
 * stage or module, a cycle, or an edge whose message kinds do not fit (a topic
 * written with one kind and read as another). Each node's options are checked
 * by its own schema here too, so a misspelt field of any stage fails at start.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PipelineConfig } from '../config/pipeline-config-schema.ts';
import { PROJECT_ROOT } from '../config/stack-endpoints.ts';
import { KpoError } from '../errors/kpo-error.ts';
import { canConvert } from '../messages/message-kind-conversions.ts';
import { compileOptions } from '../options/compile-options.ts';
import type { StageDefinition, StageMessageKind } from '../runtime/stage-definition.ts';
import { graphNodes, nodeTopics, type GraphNode, type StageNode } from './pipeline-graph.ts';
import { routeFieldProblem } from './route-field.ts';

export const BUILTIN_STAGES = ['rag', 'assemble', 'inference', 'post', 'stream'] as const;

export interface LoadedStage {
  readonly node: StageNode;
  readonly definition: StageDefinition;
}

function invalid(field: string, message: string): KpoError {
  return new KpoError('KPO_CONFIG_INVALID', `pipeline graph: ${field}: ${message}`, { context: { field } });
}

/** A built-in name resolves to workers/<name>/stage.ts; anything else is a module path. */
function moduleUrl(uses: string): string {
  if ((BUILTIN_STAGES as readonly string[]).includes(uses)) {
    return pathToFileURL(`${PROJECT_ROOT}/workers/${uses}/stage.ts`).href;
  }
  return pathToFileURL(isAbsolute(uses) ? uses : `${process.cwd()}/${uses}`).href;
}

async function loadDefinition(node: GraphNode, index: number): Promise<StageDefinition> {
  const field = `graph[${index}].uses`;
  if (!(BUILTIN_STAGES as readonly string[]).includes(node.uses) && !/[./\\]/.test(node.uses)) {
    throw invalid(field, `"${node.uses}" is no stage: one of ${BUILTIN_STAGES.join(', ')}, or a module path`);
  }
  let loaded: { default?: unknown };
  try {
    loaded = (await import(moduleUrl(node.uses))) as { default?: unknown };
  } catch (cause) {
    throw new KpoError('KPO_CONFIG_INVALID', `pipeline graph: ${field}: cannot load "${node.uses}"`, {
      cause,
      context: { field, stage: node.name },
    });
  }
  const definition = loaded.default as Partial<StageDefinition> | undefined;
  if (typeof definition?.build !== 'function' || definition.options === undefined || !definition.input) {
    throw invalid(field, `"${node.uses}" has no StageDefinition as its default export (see defineStage)`);
  }
  return definition as StageDefinition;
}

/** Loads every node's definition, checks the graph and each node's options; returns the nodes in graph order. */
export async function loadStageGraph(config: PipelineConfig): Promise<LoadedStage[]> {
  const nodes = graphNodes(config);
  const definitions = await Promise.all(nodes.map((node, index) => loadDefinition(node, index)));
  nodes.forEach((node, index) => {
    compileOptions(definitions[index]!.options, config.workers[node.name], {
      path: `workers.${node.name}`,
      stage: node.name,
    });
  });
  const writers = new Map<string, { node: GraphNode; kind: StageMessageKind }>();
  nodes.forEach((node, index) => {
    for (const topic of nodeTopics(node)) {
      const kind = definitions[index]!.output;
      const other = writers.get(topic);
      if (other !== undefined && other.kind !== kind) {
        throw invalid(
          `graph[${index}].output`,
          `${topic} is written as ${kind} here and as ${other.kind} by ${other.node.name}`,
        );
      }
      writers.set(topic, { node, kind });
    }
  });
  nodes.forEach((node, index) => {
    const problem = node.route && routeFieldProblem(definitions[index]!.output, node.route.by);
    if (problem) throw invalid(`graph[${index}].output.by`, problem);
  });
  rejectCycles(nodes);
  const last = nodes.findIndex((_, index) => definitions[index]!.output === 'clientEvent');
  if (last < 0)
    throw invalid('graph', 'no stage writes client events (the stream stage ends every pipeline)');
  const clientEventStage = nodes[last]!;
  return nodes.map((node, index) => {
    const definition = definitions[index]!;
    const upstreamKind = writers.get(node.input)?.kind ?? 'promptRequest';
    if (!canConvert(upstreamKind, definition.input)) {
      throw invalid(
        `graph[${index}].input`,
        `${node.name} reads ${definition.input} but ${node.input} carries ${upstreamKind}`,
      );
    }
    const failureTerminal =
      definition.output === 'clientEvent'
        ? { kind: 'clientEvent' as const, topic: node.output }
        : { kind: 'tokenChunk' as const, topic: clientEventStage.input };
    return {
      node: {
        ...node,
        inputKind: definition.input,
        outputKind: definition.output,
        upstreamKind,
        failureTerminal,
      },
      definition,
    };
  });
}

/** Records must flow one way: a topic read by a node must not lead back to it. */
function rejectCycles(nodes: readonly GraphNode[]): void {
  const readers = (topic: string): GraphNode[] => nodes.filter((node) => node.input === topic);
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: GraphNode, path: readonly string[]): void => {
    if (state.get(node.name) === 'done') return;
    if (state.get(node.name) === 'visiting') {
      throw invalid('graph', `cycle: ${[...path, node.name].join(' → ')}`);
    }
    state.set(node.name, 'visiting');
    for (const topic of nodeTopics(node))
      for (const next of readers(topic)) visit(next, [...path, node.name]);
    state.set(node.name, 'done');
  };
  for (const node of nodes) visit(node, []);
}

/** The loaded node of one stage, or an error naming the stages there are. */
export function findStage(stages: readonly LoadedStage[], name: string): LoadedStage {
  const found = stages.find((stage) => stage.node.name === name);
  if (found === undefined) {
    throw new KpoError(
      'KPO_CONFIG_INVALID',
      `no stage "${name}" in the pipeline graph: one of ${stages.map((s) => s.node.name).join(', ')}`,
      { context: { stage: name, field: 'graph' } },
    );
  }
  return found;
}
