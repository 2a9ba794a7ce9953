/**
 * N simulated model-server replicas, each its own process on a free loopback
 * port (infra/model-sim/spawn-replica.ts), with the simulator's documented
 * defaults (prefix cache on). resetCaches() empties every replica's prefix
 * cache so each policy starts cold.
 */
import { spawnSimReplica } from '../../infra/model-sim/spawn-replica.ts';

export interface SimReplica {
  readonly name: string;
  readonly url: string;
}

export interface SimReplicaSet {
  readonly replicas: readonly SimReplica[];
  resetCaches(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSimReplicas(
  count: number,
  prefix = 'replica',
  args: readonly string[] = [],
): Promise<SimReplicaSet> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const started = await Promise.allSettled(
    names.map((name) => spawnSimReplica(['--replica-id', name, ...args], 120_000)),
  );
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(running.map((replica) => replica.stop()));
    throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }
  const replicas = running.map((replica, i) => ({ name: names[i]!, url: replica.url }));
  return {
    replicas,
    resetCaches: () => clearReplicaCaches(replicas),
    stop: async () => {
      await Promise.all(running.map((replica) => replica.stop()));
    },
  };
}

/** Empties every replica's prefix cache (POST /admin/cache/clear: the simulator's and the local model's). */
export async function clearReplicaCaches(replicas: readonly SimReplica[]): Promise<void> {
  await Promise.all(
    replicas.map(async (replica) => {
      const response = await fetch(`${replica.url}/admin/cache/clear`, {
        method: 'POST',
        signal: AbortSignal.timeout(30_000),
      });
      if (!response.ok) throw new Error(`${replica.name}: cache clear answered ${response.status}`);
    }),
  );
}
