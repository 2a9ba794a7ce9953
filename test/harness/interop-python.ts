/**
 * The Python the interop tests use: KPO_PYTHON when set, else a venv under
 * .kpo/ with test/interop/requirements.txt installed, made the first time and
 * reused while the requirements file is unchanged.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PROJECT_ROOT, stackHome } from '../../shared/config/stack-endpoints.ts';
import { whichOrUndefined } from '../../infra/stack/which.ts';

const run = promisify(execFile);
const INSTALL_TIMEOUT_MS = 10 * 60_000;
const REQUIREMENTS = join(PROJECT_ROOT, 'test', 'interop', 'requirements.txt');

export async function ensureInteropPython(log: (line: string) => void): Promise<string> {
  if (process.env.KPO_PYTHON) return process.env.KPO_PYTHON;
  const venv = join(stackHome(), 'venv-interop');
  const python = join(venv, 'bin', 'python');
  const stamp = join(venv, 'requirements.sha256');
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return python;

  const system = whichOrUndefined('python3');
  if (!system)
    throw new Error(
      'python3 not found on PATH (the interop tests need it). Fix: apt-get install python3 python3-venv',
    );
  const began = Date.now();
  rmSync(venv, { recursive: true, force: true });
  await step('python3 -m venv (Fix: apt-get install python3-venv)', system, ['-m', 'venv', venv]);
  await step(`pip install -r ${REQUIREMENTS}`, python, [
    '-m',
    'pip',
    'install',
    '-q',
    '--disable-pip-version-check',
    '-r',
    REQUIREMENTS,
  ]);
  writeFileSync(stamp, wanted);
  log(`python venv for the interop tests ready in ${venv} (${Date.now() - began} ms)`);
  return python;
}

async function step(what: string, command: string, args: readonly string[]): Promise<void> {
  try {
    await run(command, args, { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? error)
      .trim()
      .split('\n')
      .at(-1);
    throw new Error(`${what} failed: ${stderr}`);
  }
}
