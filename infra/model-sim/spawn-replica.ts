/**
 * Starts simulator replicas as their own processes (one process per replica)
 * and stops them: for benchmarks, demos and process-level tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface SimReplica {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `node --import tsx main.ts --port 0 …args`; resolves once it prints its URL. */
export function spawnSimReplica(args: readonly string[] = [], startTimeoutMs = 15_000): Promise<SimReplica> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`model-sim did not start within ${startTimeoutMs} ms: ${output}`));
    }, startTimeoutMs);
    const onData = (data: Buffer) => {
      output += data.toString('utf8');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({ url: match[1]!, process: child, stop: () => stopChild(child) });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (data: Buffer) => (output += data.toString('utf8')));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`model-sim exited with ${code}: ${output}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
