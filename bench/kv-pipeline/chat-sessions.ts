/**
 * The multi-turn workload of the pipeline KV bench: each session asks a
 * seeded series of questions about topics of the sample corpus, so retrieval
 * finds passages for every turn. Only the new question is sent; the history
 * is the pipeline's (Redis, written by the stream stage).
 */
import { randomSource } from '../../infra/model-sim/sim-text.ts';

const TOPICS = [
  'consumer groups',
  'consumer lag',
  'offsets and commits',
  'dead letter topics',
  'the idempotent producer',
  'keys and partitioners',
  'KRaft',
  'backpressure',
  'delivery semantics',
  'the schema registry',
  'topics and partitions',
  'prefix caching',
  'the KV cache',
  'cache-aware routing',
  'continuous batching',
  'micro-batching',
  'stop sequences',
  'tokenization',
  'context windows',
  'streaming responses',
  'latency metrics',
  'retrieval-augmented generation',
  'redaction',
  'conversation history',
] as const;

const OPENERS = [
  'How does {topic} work?',
  'What should I know about {topic} before going to production?',
  'Explain {topic} in a few sentences.',
];
const FOLLOW_UPS = [
  'How does that interact with {topic}?',
  'What goes wrong with {topic} under load?',
  'Which setting of {topic} matters most, and why?',
  'Give a concrete example involving {topic}.',
  'How would I measure {topic}?',
];

export interface BenchSession {
  readonly id: string;
  /** The questions of turns 0, 1, … in order. */
  readonly questions: readonly string[];
}

export function createBenchSessions(prefix: string, sessions: number, turns: number): BenchSession[] {
  return Array.from({ length: sessions }, (_, index) => {
    const random = randomSource(7_000 + index);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const questions = Array.from({ length: turns }, (_, turn) =>
      (turn === 0 ? pick(OPENERS) : pick(FOLLOW_UPS)).replace(
        '{topic}',
        // The opener's topic is the session's own; follow-ups wander over the corpus.
        turn === 0 ? TOPICS[index % TOPICS.length]! : pick(TOPICS),
      ),
    );
    return { id: `${prefix}-s${index}`, questions };
  });
}
