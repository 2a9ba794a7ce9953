/**
 * CPU time and resident memory of a process from /proc (Linux): the bench's
 * per-worker cost figures. CPU is utime + stime in clock ticks (100 Hz on
 * Linux, so one tick is 10 ms; per-request figures average many ticks).
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10;

/** CPU ms (user + system) a process has used so far; undefined once it is gone. */
export function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** Resident set size in MiB; undefined once the process is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Children of `parent` whose command line contains `needle` (e.g. the model-sim replicas). */
export function childPids(parent: number, needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/** CPU used by each named process between start() and stop(), and the largest RSS seen meanwhile. */
export class ProcessMeter {
  private readonly startCpu = new Map<string, number>();
  private readonly maxRss = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: ReadonlyMap<string, readonly number[]>) {}

  start(): void {
    for (const [name, pids] of this.pids) this.startCpu.set(name, this.cpuOf(pids));
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), 500);
  }

  /** CPU ms per name since start(), and max RSS MiB per name (summed over its pids). */
  stop(): { cpuMs: Record<string, number>; rssMb: Record<string, number> } {
    clearInterval(this.timer);
    this.sampleRss();
    const cpu: Record<string, number> = {};
    const rss: Record<string, number> = {};
    for (const [name, pids] of this.pids) {
      cpu[name] = this.cpuOf(pids) - (this.startCpu.get(name) ?? 0);
      rss[name] = Math.round(this.maxRss.get(name) ?? 0);
    }
    return { cpuMs: cpu, rssMb: rss };
  }

  private cpuOf(pids: readonly number[]): number {
    return pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
  }

  private sampleRss(): void {
    for (const [name, pids] of this.pids) {
      const rss = pids.reduce((sum, pid) => sum + (rssMb(pid) ?? 0), 0);
      this.maxRss.set(name, Math.max(this.maxRss.get(name) ?? 0, rss));
    }
  }
}
