/**
 * Starts N simulated model-server replicas as their own processes on free
 * loopback ports, with the simulator's documented defaults (prefix cache on),
 * and stops them. resetCaches() empties every replica's prefix cache so each
 * policy starts cold.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';

export interface SimReplica {
  readonly name: string;
  readonly url: string;
}

export interface SimReplicaSet {
  readonly replicas: readonly SimReplica[];
  resetCaches(): Promise<void>;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 30_000;

async function startOne(name: string): Promise<{ replica: SimReplica; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/model-sim/main.ts', '--port', '0', '--replica-id', name],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms`)),
      START_TIMEOUT_MS,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening`));
    });
  });
  return { replica: { name, url }, child };
}

export async function startSimReplicas(count: number, prefix = 'replica'): Promise<SimReplicaSet> {
  const started = await Promise.all(Array.from({ length: count }, (_, i) => startOne(`${prefix}-${i}`)));
  return {
    replicas: started.map((s) => s.replica),
    async resetCaches() {
      await Promise.all(
        started.map(async ({ replica }) => {
          const response = await fetch(`${replica.url}/admin/cache/clear`, { method: 'POST' });
          if (!response.ok) throw new Error(`${replica.name}: cache clear answered ${response.status}`);
        }),
      );
    },
    async stop() {
      await Promise.all(
        started.map(async ({ child }) => {
          if (child.exitCode !== null) return;
          const exited = once(child, 'exit');
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
