/**
 * The model server replicas of the pipeline KV bench, each its own process:
 * the simulator (infra/model-sim), or the real local model (infra/local-model,
 * SmolLM2-135M on node-llama-cpp: its context sequences are llama.cpp's slots,
 * and a sequence's held tokens are its prefix cache). Same shape either way:
 * names, URLs, a cache reset before each policy, stop.
 */
import { ChildProcessGroup } from '../../cli/local-pipeline/child-process-group.ts';
import { startModelReplicas, type LocalModelKind } from '../../cli/local-pipeline/model-replicas.ts';
import { clearReplicaCaches, startSimReplicas, type SimReplicaSet } from '../kv/sim-replicas.ts';

export interface BenchReplicaOptions {
  readonly model: LocalModelKind;
  readonly count: number;
  /** Extra flags for each replica's server (infra/model-sim/main.ts or infra/local-model/main.ts). */
  readonly args: readonly string[];
  readonly logDir: string;
  readonly log: (line: string) => void;
}

export async function startBenchReplicas(options: BenchReplicaOptions): Promise<SimReplicaSet> {
  if (options.model === 'sim') return startSimReplicas(options.count, 'replica', options.args);
  const group = new ChildProcessGroup();
  try {
    const { urls } = await startModelReplicas(group, {
      kind: 'local',
      replicas: options.count,
      extraArgs: options.args,
      logDir: options.logDir,
      log: options.log,
    });
    // startModelReplicas names them local-0, local-1, … (--replica-id).
    const replicas = urls.map((url, i) => ({ name: `local-${i}`, url }));
    return { replicas, resetCaches: () => clearReplicaCaches(replicas), stop: () => group.stopAll() };
  } catch (error) {
    await group.stopAll();
    throw error;
  }
}
