/**
 * The pipeline as a graph of stage nodes joined by topics. Each node names the
 * definition it runs (`uses`: a built-in stage or a module path), the topic it
 * reads, and the topic(s) it writes. Without a `graph:` in the pipeline file
 * the graph is today's five stages over the `topics:` names.
 */
import type { PipelineConfig, StageConfig } from '../config/pipeline-config-schema.ts';
import { stageSchema } from '../config/pipeline-config-schema.ts';
import type { StageMessageKind } from '../runtime/stage-definition.ts';

/** Where a node's outputs go: one topic, or one per value of a field of the output message. */
export interface OutputRoute {
  /** Field of the output message whose value picks the topic: a dotted path (e.g. "request.model"). */
  readonly by: string;
  readonly routes: Readonly<Record<string, string>>;
  /** Topic for values with no route. */
  readonly default: string;
}

export interface GraphNode {
  readonly name: string;
  /** A built-in stage name (workers/<name>/stage.ts) or a module path whose default export is a StageDefinition. */
  readonly uses: string;
  readonly input: string;
  /** Default output topic (the only one, or the route's default). */
  readonly output: string;
  readonly route: OutputRoute | undefined;
  /** Runtime knobs: `stages.<name>` of the pipeline file, defaults applied. */
  readonly settings: StageConfig;
}

/** A node whose definition is loaded: its message kinds are known, so failures know where to go. */
export interface StageNode extends GraphNode {
  readonly inputKind: StageMessageKind;
  readonly outputKind: StageMessageKind;
  /** Kind of the records on its input topic (written by the upstream node, or promptRequest at the entry). */
  readonly upstreamKind: StageMessageKind;
  /** Where this stage announces a request it gave up on (shared/runtime/failure-notifier.ts). */
  readonly failureTerminal: { readonly kind: 'clientEvent' | 'tokenChunk'; readonly topic: string };
}

export function nodeTopics(node: GraphNode): string[] {
  return [...new Set([node.output, ...Object.values(node.route?.routes ?? {})])];
}

export function settingsOf(config: PipelineConfig, name: string): StageConfig {
  return (config.stages as Readonly<Record<string, StageConfig | undefined>>)[name] ?? stageSchema.parse({});
}

/** The graph the pipeline file declares (`graph:`), else today's five stages. */
export function graphNodes(config: PipelineConfig): GraphNode[] {
  const declared = config.graph;
  if (declared !== undefined) {
    return declared.map((entry) => {
      const route = typeof entry.output === 'string' ? undefined : entry.output;
      return {
        name: entry.name,
        uses: entry.uses ?? entry.name,
        input: entry.input,
        output: route?.default ?? (entry.output as string),
        route,
        settings: settingsOf(config, entry.name),
      };
    });
  }
  const t = config.topics;
  const hops: readonly (readonly [string, string, string])[] = [
    ['rag', t.prompts, t.rag],
    ['assemble', t.rag, t.assembled],
    ['inference', t.assembled, t.tokensRaw],
    ['post', t.tokensRaw, t.tokensPost],
    ['stream', t.tokensPost, t.output],
  ];
  return hops.map(([name, input, output]) => ({
    name,
    uses: name,
    input,
    output,
    route: undefined,
    settings: settingsOf(config, name),
  }));
}
