/**
 * The pipeline's topics as the graph declares them: every node's input and
 * output topics, the client output, the cancel control topic and one
 * dead-letter topic per stage input — all with the same partition count, so a
 * session keeps its partition number at every hop.
 */
import type { PipelineConfig } from '../config/pipeline-config-schema.ts';
import type { TopicSpec } from '../kafka/kafka-port.ts';
import { graphNodes, nodeTopics } from './pipeline-graph.ts';

export interface StageTopics {
  readonly input: string;
  readonly output: string;
  readonly deadLetter: string;
}

export function stageTopics(config: PipelineConfig, stage: string): StageTopics {
  const node = graphNodes(config).find((candidate) => candidate.name === stage);
  if (node === undefined) throw new RangeError(`no stage "${stage}" in the pipeline graph`);
  return {
    input: node.input,
    output: node.output,
    deadLetter: `${node.input}${config.topics.deadLetterSuffix}`,
  };
}

export function pipelineTopicSpecs(config: PipelineConfig): TopicSpec[] {
  const t = config.topics;
  const nodes = graphNodes(config);
  const inputs = nodes.map((node) => node.input);
  const names = [...inputs, ...nodes.flatMap(nodeTopics), t.output, t.cancel];
  const deadLetters = inputs.map((n) => `${n}${t.deadLetterSuffix}`);
  return [...new Set([...names, ...deadLetters])].map((topic) => ({
    topic,
    partitions: t.partitions,
    ...(t.replicationFactor === undefined ? {} : { replicationFactor: t.replicationFactor }),
  }));
}
