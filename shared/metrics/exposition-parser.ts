/**
 * A small reader of the Prometheus text exposition format (what /metrics
 * serves), for `kpo status` and the tests: samples with their labels, and the
 * metric names a scrape declares (# TYPE lines).
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*/g;

function unescape(value: string): string {
  return value.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));
}

function numberOf(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (!match?.[1] || match[4] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[3] ?? '').matchAll(LABEL)) {
      if (label[1] !== undefined && label[2] !== undefined) labels[label[1]] = unescape(label[2]);
    }
    samples.push({ name: match[1], labels, value: numberOf(match[4]) });
  }
  return samples;
}

function matches(sample: Sample, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (sample.name !== name) return false;
  return Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when none matches. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  let total: number | undefined;
  for (const sample of samples) if (matches(sample, name, labels)) total = (total ?? 0) + sample.value;
  return total;
}
