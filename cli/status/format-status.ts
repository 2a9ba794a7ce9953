/** The terminal table of `kpo status`. */
import type { StatusReport } from './status-report.ts';

const dash = '-';

function seconds(value: number | null): string {
  if (value === null) return dash;
  if (value < 1) return `${(value * 1000).toFixed(value < 0.01 ? 2 : 1)} ms`;
  return `${value.toFixed(2)} s`;
}

function count(value: number | null): string {
  return value === null ? dash : String(value);
}

export function formatStatus(report: StatusReport): string {
  const header = ['STAGE', 'GROUP', 'STATE', 'CONSUMERS', 'LAG', 'WORKERS', 'IN-FLIGHT', 'REC/S', 'P99 TASK'];
  const rows = report.stages.map((s) => [
    s.stage,
    s.groupId,
    s.groupState ?? dash,
    count(s.consumers),
    count(s.lag),
    `${s.workers.filter((w) => w.up).length}/${s.workers.length}`,
    count(s.inFlight),
    s.throughputPerSecond === null ? dash : s.throughputPerSecond.toFixed(1),
    seconds(s.p99TaskSeconds),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 0 || i === 1 || i === 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const notes = report.stages.flatMap((s) => s.errors.map((e) => `  ${s.stage}: ${e}`));
  return [
    line(header),
    ...rows.map(line),
    ...(notes.length > 0 ? ['', 'problems:', ...notes] : []),
    '',
    `throughput over ${report.sampleMs} ms; p99 over the workers' lifetime; ${report.generatedAt}`,
  ].join('\n');
}
