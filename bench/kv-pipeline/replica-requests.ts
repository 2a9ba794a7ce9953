/**
 * Requests each replica has served, from its own /metrics, all routes: kpo_sim_requests_total (simulator) or
 * kpo_local_model_requests_total (local model).
 */
import type { SimReplica } from '../kv/sim-replicas.ts';

const REQUESTS = /^kpo_(?:sim|local_model)_requests_total\{[^}]*\}\s+(\S+)$/;

export async function replicaRequests(replicas: readonly SimReplica[]): Promise<Record<string, number>> {
  const counts = await Promise.all(
    replicas.map(async (replica) => {
      const response = await fetch(`${replica.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
      if (!response.ok) throw new Error(`${replica.name}: /metrics answered ${response.status}`);
      const total = (await response.text())
        .split('\n')
        .map((line) => REQUESTS.exec(line))
        .reduce((sum, match) => sum + (match === null ? 0 : Number(match[1])), 0);
      return [replica.name, total] as const;
    }),
  );
  return Object.fromEntries(counts);
}

/** after − before, for the replicas listed in `names`. */
export function requestsBetween(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
  names: readonly string[],
): Record<string, number> {
  return Object.fromEntries(names.map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
}
