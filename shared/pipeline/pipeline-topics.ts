/**
 * The pipeline's topics as the config declares them: the five hops, the
 * output, the cancel control topic and one dead-letter topic per stage input.
 */
import type { PipelineConfig, StageName } from '../config/pipeline-config-schema.ts';
import type { TopicSpec } from '../kafka/kafka-port.ts';

export interface StageTopics {
  readonly input: string;
  readonly output: string;
  readonly deadLetter: string;
}

export function stageTopics(config: PipelineConfig, stage: StageName): StageTopics {
  const t = config.topics;
  const hops: Record<StageName, readonly [string, string]> = {
    rag: [t.prompts, t.rag],
    assemble: [t.rag, t.assembled],
    inference: [t.assembled, t.tokensRaw],
    post: [t.tokensRaw, t.tokensPost],
    stream: [t.tokensPost, t.output],
  };
  const [input, output] = hops[stage];
  return { input, output, deadLetter: `${input}${t.deadLetterSuffix}` };
}

export function pipelineTopicSpecs(config: PipelineConfig): TopicSpec[] {
  const t = config.topics;
  const names = [t.prompts, t.rag, t.assembled, t.tokensRaw, t.tokensPost, t.output, t.cancel];
  const deadLetters = [t.prompts, t.rag, t.assembled, t.tokensRaw, t.tokensPost].map(
    (n) => `${n}${t.deadLetterSuffix}`,
  );
  return [...names, ...deadLetters].map((topic) => ({
    topic,
    partitions: t.partitions,
    replicationFactor: t.replicationFactor,
  }));
}
