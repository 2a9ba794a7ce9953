/**
 * Runs a project script (a CLI) as a child process, as a person would, with a bound that only a hang reaches:
 * past it the child is SIGKILLed and the promise rejects with what it printed so far.
 */
import { spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';

export interface ScriptRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function runTsxScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  hangMs: number,
  /** Written to the child's stdin, which then ends (default: stdin ends at once). */
  input?: string,
): Promise<ScriptRun> {
  const began = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      env,
      cwd: PROJECT_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${script} ${args.join(' ')} hung for ${hangMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`),
      );
    }, hangMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - began });
    });
  });
}
