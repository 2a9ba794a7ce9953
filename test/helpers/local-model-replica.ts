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
import { stopChild } from '../../infra/model-sim/spawn-replica.ts';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';

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
  await withTimeout(ensureLocalModelAssets(), FETCH_TIMEOUT_MS, 'fetching the local model');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (data: Buffer) => (output += data.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`local-model exited with ${code}: ${output}`))),
  );
  exited.catch(() => undefined);
  const lineMatching = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve) => {
      const onLine = (line: string): void => {
        const match = pattern.exec(line);
        if (match === null) return;
        lines.off('line', onLine);
        resolve(match);
      };
      lines.on('line', onLine);
    });
  const listening = lineMatching(/^local-model listening on /);
  const loading = await withTimeout(
    Promise.race([lineMatching(/^local-model loading on (\S+)/), exited]),
    READY_TIMEOUT_MS,
    'local-model to listen',
  ).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  const ready = withTimeout(Promise.race([listening, exited]), READY_TIMEOUT_MS, 'local-model to load').then(
    () => undefined,
  );
  ready.catch(() => child.kill('SIGKILL'));
  return { url: loading[1]!, process: child, ready, stop: () => stopChild(child) };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
