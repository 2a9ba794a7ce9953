/**
 * Starts simulator replicas as their own processes (one process per replica)
 * and stops them: for benchmarks, demos and process-level tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { readyLine } from '../child-process/ready-line.ts';
import { stopChild } from '../child-process/stop-child.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

export interface SimReplica {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `node --import tsx main.ts --port 0 …args`; resolves once it prints its URL. */
export async function spawnSimReplica(
  args: readonly string[] = [],
  startTimeoutMs = 15_000,
): Promise<SimReplica> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its output until it is up, for the error; after that it is read and dropped.
  let output: string | undefined = '';
  child.stderr.on('data', (data: Buffer) => output !== undefined && (output += data.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => output !== undefined && (output += `${line}\n`));
  const match = await readyLine(child, {
    lines,
    pattern: /listening on (http:\/\/127\.0\.0\.1:\d+)/,
    timeoutMs: startTimeoutMs,
    name: 'model-sim',
    detail: () => `: ${output}`,
  });
  output = undefined;
  return { url: match[1]!, process: child, stop: () => stopChild(child) };
}
