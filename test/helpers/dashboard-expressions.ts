/**
 * Reads the PromQL the operator-facing files in infra/ contain (Grafana
 * dashboards, Prometheus recording rules) and the metric names they use, so
 * tests can hold them against METRIC_NAMES and against a real scrape.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PROJECT_ROOT } from '../../shared/config/stack-endpoints.ts';
import { baseMetricName } from '../../shared/metrics/metric-names.ts';

export interface InfraExpressions {
  /** File (relative to infra/) → PromQL expressions in it. */
  readonly byFile: ReadonlyMap<string, readonly string[]>;
}

/** Every string under a key named expr, definition or query, at any depth. */
export function expressionsOf(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(expressionsOf);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => {
    if (['expr', 'definition', 'query'].includes(key) && typeof value === 'string') return [value];
    return expressionsOf(value);
  });
}

/** kpo_ metric names in a PromQL expression (not the level:name:op names of recorded series). */
export function metricNamesIn(expression: string): string[] {
  return [...expression.matchAll(/(?<![:\w])kpo_[a-zA-Z0-9_]+(?![:\w])/g)].map((m) => m[0]);
}

function filesIn(dir: string, extension: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(extension))
      .sort();
  } catch {
    return [];
  }
}

export function readInfraExpressions(root: string = PROJECT_ROOT): InfraExpressions {
  const byFile = new Map<string, readonly string[]>();
  const dashboards = join(root, 'infra', 'grafana', 'dashboards');
  for (const name of filesIn(dashboards, '.json')) {
    byFile.set(
      `grafana/dashboards/${name}`,
      expressionsOf(JSON.parse(readFileSync(join(dashboards, name), 'utf8'))),
    );
  }
  const rules = join(root, 'infra', 'prometheus', 'rules');
  for (const name of filesIn(rules, '.yml')) {
    byFile.set(`prometheus/rules/${name}`, expressionsOf(parse(readFileSync(join(rules, name), 'utf8'))));
  }
  return { byFile };
}

/** The metrics (histograms by base name) the dashboards and rules use. */
export function infraMetricNames(expressions: InfraExpressions = readInfraExpressions()): string[] {
  const names = new Set<string>();
  for (const list of expressions.byFile.values()) {
    for (const expression of list)
      for (const name of metricNamesIn(expression)) names.add(baseMetricName(name));
  }
  return [...names].sort();
}
