/** The first executable of that name on PATH, like `command -v`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function whichOrUndefined(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    const candidate = join(dir, program);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}
