/**
 * Starts the five instrumented stage workers (test/fixtures/observability/
 * instrumented-stage-worker.ts) as child processes chained topic to topic,
 * and stops them (SIGTERM, then SIGKILL after a bound).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'observability', 'instrumented-stage-worker.ts');

export interface StageProcessSpec {
  readonly stage: string;
  readonly input: string;
  readonly output: string;
  readonly group: string;
}

export interface StageProcess {
  readonly spec: StageProcessSpec;
  readonly child: ChildProcess;
  port: number | undefined;
  log: string;
}

export async function startStageProcesses(
  specs: readonly StageProcessSpec[],
  env: NodeJS.ProcessEnv,
): Promise<{ readonly processes: readonly StageProcess[]; stop(): Promise<void> }> {
  const processes = specs.map((spec): StageProcess => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env, STAGE: spec.stage, IN: spec.input, OUT: spec.output, GROUP: spec.group },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry: StageProcess = { spec, child, port: undefined, log: '' };
    let pending = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const event = JSON.parse(line) as { event?: string; port?: number };
          if (event.event === 'ready') entry.port = event.port;
        } catch {
          entry.log = `${entry.log}${line}\n`.slice(-4000);
        }
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (entry.log = (entry.log + chunk.toString()).slice(-4000)));
    return entry;
  });
  const stop = async (): Promise<void> => {
    await Promise.all(
      processes.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  };
  try {
    await waitFor(
      () => {
        for (const p of processes) {
          if (p.child.exitCode !== null) throw new Error(`${p.spec.stage} worker exited: ${p.log}`);
        }
        return processes.every((p) => p.port !== undefined);
      },
      { timeoutMs: 90_000, intervalMs: 100, what: 'five stage workers ready' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { processes, stop };
}
