/**
 * Changes the inference stage of a running local pipeline the way an
 * operator would: start a worker with the new pipeline file (routing policy,
 * replica list), then stop the old one (SIGTERM, it drains); Kafka moves its
 * partitions. Routing hints live in Redis, so they outlive the swap.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LocalPipeline, RunningWorker } from '../../cli/local-pipeline/local-pipeline.ts';

const STOP_TIMEOUT_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL if it is still there after STOP_TIMEOUT_MS. */
export async function stopWorker(worker: RunningWorker): Promise<void> {
  if (!alive(worker.pid)) return;
  process.kill(worker.pid, 'SIGTERM');
  const until = Date.now() + STOP_TIMEOUT_MS;
  while (alive(worker.pid) && Date.now() < until) await sleep(100);
  if (alive(worker.pid)) process.kill(worker.pid, 'SIGKILL');
}

export class InferenceSwap {
  constructor(
    private readonly pipeline: LocalPipeline,
    private current: RunningWorker | undefined,
  ) {}

  /** The inference worker now runs with `configPath`. */
  async to(configPath: string): Promise<void> {
    const next = await this.pipeline.startWorker('inference', { KPO_CONFIG: configPath });
    const previous = this.current;
    this.current = next;
    if (previous !== undefined) await stopWorker(previous);
  }
}
