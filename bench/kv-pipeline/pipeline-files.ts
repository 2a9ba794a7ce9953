/**
 * The pipeline files of one bench run: every phase shares the topics and the
 * consumer groups (so swapping the inference worker is an ordinary
 * rebalance), and differs in the routing policy, the model replicas the
 * inference stage calls, and the Redis key prefix of routing hints (each
 * phase starts with cold hints). History and stream state live under the
 * run's own key prefix.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { SimReplica } from '../kv/sim-replicas.ts';

export const ROUTING_POLICIES = ['hints', 'session_hash', 'round_robin'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];

const TOPIC_SUFFIXES = {
  prompts: 'prompts',
  rag: 'rag',
  assembled: 'assembled',
  tokensRaw: 'tokens.raw',
  tokensPost: 'tokens.post',
  output: 'output',
  cancel: 'cancel',
} as const;

export interface PipelineFiles {
  readonly runId: string;
  /** Prefix of every Redis key the run writes. */
  readonly redisPrefix: string;
  /** Writes the file of one phase's inference worker; returns its path. */
  write(policy: RoutingPolicy, replicas: readonly SimReplica[]): string;
}

/** What differs between the simulator's run and the local model's. */
export interface PipelineFileSettings {
  /** Wire protocol of the replicas: the simulator's OpenAI chat, or llama.cpp /completion (slots pinned by routing). */
  readonly modelKind: 'openai' | 'llamacpp';
  readonly assemble: Readonly<Record<string, unknown>>;
  readonly rag?: Readonly<Record<string, unknown>>;
  /** workers.inference.calls (timeouts of a slow model). */
  readonly calls?: Readonly<Record<string, unknown>>;
}

export function pipelineFiles(runId: string, settings: PipelineFileSettings): PipelineFiles {
  const dir = mkdtempSync(join(tmpdir(), 'kpo-kv-bench-'));
  const redisPrefix = runId;
  let written = 0;
  const topics = Object.fromEntries(
    Object.entries(TOPIC_SUFFIXES).map(([key, suffix]) => [key, `${runId}.${suffix}`]),
  );
  return {
    runId,
    redisPrefix,
    write(policy, replicas) {
      const document = {
        groupPrefix: runId,
        redisKeyPrefix: redisPrefix,
        topics: { partitions: 6, ...topics },
        models: replicas.map((replica) => ({
          name: replica.name,
          kind: settings.modelKind,
          url: replica.url,
        })),
        workers: {
          ...(settings.rag === undefined ? {} : { rag: { ...settings.rag } }),
          assemble: { ...settings.assemble },
          inference: {
            selector: policy === 'round_robin' ? 'round-robin' : 'session-hash',
            ...(settings.calls === undefined ? {} : { calls: { ...settings.calls } }),
          },
          routing: { enabled: policy === 'hints' },
        },
      };
      const path = join(dir, `pipeline-${written++}-${policy}.yaml`);
      writeFileSync(path, stringify(document));
      return path;
    },
  };
}
