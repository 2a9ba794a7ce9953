/**
 * Where a request's time to first token goes, hop by hop: from the client's
 * send to the prompt record, from each stage's input record to its first
 * output record (the stage's fetch, its work and its produce), and from the
 * first client event record to the client seeing it. Medians over the
 * requests every record of which was seen. The inference hop includes the
 * model's own time to first token.
 */
import { percentiles } from './percentiles.ts';
import type { RecordTimeWatch } from './record-time-watch.ts';
import type { RequestOutcome } from './request-outcome.ts';

export interface PipelineTopics {
  readonly prompts: string;
  readonly rag: string;
  readonly assembled: string;
  readonly tokensRaw: string;
  readonly tokensPost: string;
  readonly output: string;
}

/** The topics a request's records pass through, in pipeline order. */
export const hopTopics = (topics: PipelineTopics): string[] => [
  topics.prompts,
  topics.rag,
  topics.assembled,
  topics.tokensRaw,
  topics.tokensPost,
  topics.output,
];

const HOPS = ['send', 'rag', 'assemble', 'inference', 'post', 'stream', 'receive'] as const;
export type HopBreakdown = Record<(typeof HOPS)[number], number> & { readonly requests: number };

export function hopBreakdown(
  outcomes: readonly RequestOutcome[],
  watch: RecordTimeWatch,
  topics: PipelineTopics,
): HopBreakdown | null {
  const order = hopTopics(topics);
  const rows = outcomes.flatMap((o) => {
    if (o.requestId === undefined || o.sentAtMs === undefined || o.firstTokenAtMs === undefined) return [];
    const times = order.map((topic) => watch.timeOf(topic, o.requestId!));
    if (times.some((t) => t === undefined)) return [];
    const points = [o.sentAtMs, ...(times as number[]), o.firstTokenAtMs];
    return [points.slice(1).map((t, i) => t - points[i]!)];
  });
  if (rows.length === 0) return null;
  const median = (i: number): number => percentiles(rows.map((r) => r[i]!)).p50;
  return {
    requests: rows.length,
    ...(Object.fromEntries(HOPS.map((hop, i) => [hop, median(i)])) as Record<(typeof HOPS)[number], number>),
  };
}
