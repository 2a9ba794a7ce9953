/**
 * A real local model replica (infra/local-model) as its own process, for
 * integration tests. The weights and engine are fetched into .kpo/ first when
 * missing — a test never skips for want of the model. `start` resolves once the
 * server listens (the model still loading); `ready` once it serves requests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureLocalModelAssets } from '../../infra/local-model/local-model-assets.ts';
import { readyLine } from '../../infra/child-process/ready-line.ts';
import { stopChild } from '../../infra/child-process/stop-child.ts';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';
import { settlesWithin } from '../../shared/timers/settles-within.ts';

const MAIN = join(PROJECT_ROOT, 'infra', 'local-model', 'main.ts');
/** Fetching the model (93 MB) and engine on a cold machine, and loading it on a busy one, take a while. */
const FETCH_TIMEOUT_MS = 8 * 60_000;
const READY_TIMEOUT_MS = 3 * 60_000;

export interface LocalModelReplica {
  readonly url: string;
  readonly process: ChildProcess;
  /** Resolves once the model is loaded and requests are served. */
  readonly ready: Promise<void>;
  stop(): Promise<void>;
}

export async function startLocalModelReplica(args: readonly string[] = []): Promise<LocalModelReplica> {
  const assets = ensureLocalModelAssets();
  if (!(await settlesWithin(assets, FETCH_TIMEOUT_MS)))
    throw new Error(`timed out after ${FETCH_TIMEOUT_MS} ms fetching the local model`);
  await assets;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (data: Buffer) => (output += data.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const line = (pattern: RegExp, timeoutMs: number) =>
    readyLine(child, { lines, pattern, timeoutMs, name: 'local-model', detail: () => `: ${output}` });
  // Both waits start now: the two lines may come in one chunk.
  const ready = line(/^local-model listening on /, 2 * READY_TIMEOUT_MS).then(() => undefined);
  ready.catch(() => undefined); // the caller awaits it (or not: a failed start throws below anyway)
  const loading = await line(/^local-model loading on (\S+)/, READY_TIMEOUT_MS);
  return { url: loading[1]!, process: child, ready, stop: () => stopChild(child) };
}
