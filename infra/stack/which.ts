/** The first executable of that name on PATH, like `command -v`. */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';

export function whichOrUndefined(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    const candidate = join(dir, program);
    if (dir && isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** As the shell's lookup: a file this process may execute (not a directory, not a file without the x bit). */
function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
