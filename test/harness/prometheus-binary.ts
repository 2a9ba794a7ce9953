/**
 * A Prometheus for the observability tests: PROMETHEUS_BINARY, else one on
 * PATH, else Debian's package unpacked into .kpo/tools (fetched with
 * `apt-get download` and `dpkg -x`, which need no root; as root the setup
 * first refreshes apt's package lists when they are missing, as on a fresh CI
 * machine). The binary is static Go and needs only libc.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stackHome } from '../../shared/config/stack-endpoints.ts';
import { whichOrUndefined } from '../../infra/stack/which.ts';

const run = promisify(execFile);
const APT_TIMEOUT_MS = 10 * 60_000;
const FIX =
  'Fix: apt-get install prometheus, or as root once: apt-get update (then the test setup unpacks it into .kpo/ without root), or set PROMETHEUS_BINARY';

export async function ensurePrometheus(log: (line: string) => void): Promise<string> {
  const given = process.env.PROMETHEUS_BINARY;
  if (given) {
    if (!existsSync(given)) throw new Error(`PROMETHEUS_BINARY=${given} does not exist`);
    return given;
  }
  const onPath = whichOrUndefined('prometheus');
  if (onPath) return onPath;
  const root = join(stackHome(), 'tools', 'prometheus');
  const binary = join(root, 'usr', 'bin', 'prometheus');
  if (existsSync(binary)) return binary;

  const began = Date.now();
  const downloads = join(stackHome(), 'downloads');
  mkdirSync(downloads, { recursive: true });
  const deb = await downloadDeb('prometheus', downloads);
  rmSync(root, { recursive: true, force: true });
  // dpkg-deb creates only the last folder of the target; .kpo/tools may not exist yet.
  mkdirSync(root, { recursive: true });
  await run('dpkg-deb', ['-x', deb, root], { timeout: APT_TIMEOUT_MS });
  if (!existsSync(binary)) throw new Error(`prometheus: ${deb} unpacked but ${binary} is missing`);
  log(`no prometheus on PATH: unpacked Debian's package into ${root} (${Date.now() - began} ms)`);
  return binary;
}

async function downloadDeb(name: string, dir: string): Promise<string> {
  if (!whichOrUndefined('apt-get') || !whichOrUndefined('dpkg-deb'))
    throw new Error(`prometheus not found on PATH and this machine has no apt-get/dpkg-deb. ${FIX}`);
  try {
    await aptDownload(name, dir);
  } catch (firstError) {
    // Missing package lists (a fresh image): only root can refresh them.
    if (process.getuid?.() !== 0)
      throw new Error(`prometheus not found on PATH and apt-get download failed. ${FIX}`);
    await run('apt-get', ['update', '-qq'], { timeout: APT_TIMEOUT_MS }).catch((error: unknown) => {
      throw new Error(`apt-get update failed (${String(error)}) after: ${String(firstError)}`);
    });
    await aptDownload(name, dir);
  }
  const deb = readdirSync(dir).find((f) => f.startsWith(`${name}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${name} left no .deb in ${dir}`);
  return join(dir, deb);
}

function aptDownload(name: string, dir: string): Promise<unknown> {
  return run('apt-get', ['download', '-qq', name], { cwd: dir, timeout: APT_TIMEOUT_MS });
}
