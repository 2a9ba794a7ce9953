/**
 * Top self-time functions of .cpuprofile files (node --cpu-prof), one table
 * per file: `tsx bench/pipeline/profile-summary.ts <dir or files> [--top 15] [--skip 20]`
 * (--skip: seconds from the start left out, i.e. module loading at start-up).
 * Used to read the profiles `bench:pipeline --profile <dir>` writes.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const top = flag('--top', 15);
const skipUs = flag('--skip', 0) * 1e6;
const inputs = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
const files = inputs.flatMap((input) =>
  statSync(input).isDirectory()
    ? readdirSync(input)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(input, f))
    : [input],
);

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const dt = profile.timeDeltas[i] ?? 0;
    elapsed += dt;
    if (frame === undefined || elapsed < skipUs) return;
    total += dt;
    const where = frame.url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^file:\/\/.*?\/wt-[^/]+\//, '');
    const key = `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  const busy = [...self.entries()].filter(([k]) => !k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`);
  const ranked = [...self.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  for (const [key, us] of ranked.slice(0, top))
    console.log(
      `${((us / busy) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
    );
}
