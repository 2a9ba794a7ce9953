/**
 * The dashboards and recording rules in infra/ may only use metric names the
 * code exports (shared/metrics/metric-names.ts), and must show the figures an
 * operator needs. A rename in the code fails here until infra/ follows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { STAGE_NAMES } from '../../../shared/config/pipeline-config-schema.ts';
import { PROJECT_ROOT } from '../../../shared/config/stack-endpoints.ts';
import {
  infraMetricNames,
  metricNamesIn,
  readInfraExpressions,
} from '../../helpers/dashboard-expressions.ts';
import { baseMetricName, METRIC, METRIC_NAMES } from '../../../shared/metrics/metric-names.ts';

/** True when `series` (a name, or a histogram's _bucket/_sum/_count) is one kpo exports. */
function isExportedSeries(series: string): boolean {
  return METRIC_NAMES.includes(baseMetricName(series));
}

const GRAFANA = join(PROJECT_ROOT, 'infra', 'grafana');
const PROMETHEUS = join(PROJECT_ROOT, 'infra', 'prometheus');
const infra = readInfraExpressions();
const dashboards = [...infra.byFile].filter(([file]) => file.startsWith('grafana/'));
const ruleFiles = [...infra.byFile].filter(([file]) => file.startsWith('prometheus/rules/'));

test('every metric name in the Grafana dashboards is one the code exports', () => {
  assert.ok(dashboards.length > 0, 'no dashboard JSON');
  for (const [name, expressions] of dashboards) {
    assert.ok(expressions.length > 10, `${name} has hardly any queries`);
    for (const expression of expressions) {
      for (const metric of metricNamesIn(expression)) {
        assert.ok(isExportedSeries(metric), `${name}: ${metric} is not exported (in: ${expression})`);
      }
    }
  }
});

test('every metric name in the recording rules is one the code exports', () => {
  assert.ok(ruleFiles.length > 0, 'no recording rules');
  for (const [name, expressions] of ruleFiles) {
    assert.ok(expressions.length > 0, `${name} has no rules`);
    for (const expression of expressions) {
      for (const metric of metricNamesIn(expression)) {
        assert.ok(isExportedSeries(metric), `${name}: ${metric} is not exported (in: ${expression})`);
      }
    }
  }
});

test('the dashboard shows queue depth, lag, task-duration percentiles, drops, DLQ, TTFT, ITL, tokens, breakers and KV hits', () => {
  const used = new Set(infraMetricNames({ byFile: new Map(dashboards) }));
  for (const metric of [
    METRIC.inFlightRecords,
    METRIC.workerPaused,
    METRIC.consumerLagRecords,
    METRIC.taskDurationSeconds,
    METRIC.queueWaitSeconds,
    METRIC.recordsShed,
    METRIC.recordsRejected,
    METRIC.recordsDeadLettered,
    METRIC.retries,
    METRIC.timeToFirstTokenSeconds,
    METRIC.interTokenLatencySeconds,
    METRIC.tokens,
    METRIC.circuitBreakerState,
    METRIC.kvHintHits,
    METRIC.kvHintMisses,
    METRIC.microBatchSize,
    METRIC.e2eLatencySeconds,
  ]) {
    assert.ok(used.has(metric), `dashboard does not show ${metric}`);
  }
  const expressions = dashboards.flatMap(([, list]) => list);
  for (const quantile of ['0.5', '0.95', '0.99']) {
    assert.ok(
      expressions.some((e) =>
        e.includes(
          `histogram_quantile(${quantile}, sum by (le, stage) (rate(kpo_task_duration_seconds_bucket`,
        ),
      ),
      `no p${quantile} task duration per stage`,
    );
  }
});

test('the compose scrape config has a job for every stage service on port 9464, and Grafana provisions the Prometheus datasource', () => {
  const config = parse(readFileSync(join(PROMETHEUS, 'prometheus-compose.yml'), 'utf8')) as {
    scrape_configs: { job_name: string; dns_sd_configs?: { names: string[]; port: number }[] }[];
  };
  for (const stage of STAGE_NAMES) {
    const job = config.scrape_configs.find((j) => j.job_name === `kpo-${stage}`);
    assert.ok(job, `no scrape job for ${stage}`);
    assert.deepEqual(job.dns_sd_configs?.[0]?.names, [stage]);
    assert.equal(job.dns_sd_configs?.[0]?.port, 9464);
  }
  const datasources = parse(readFileSync(join(GRAFANA, 'datasources', 'prometheus.yml'), 'utf8')) as {
    datasources: { uid: string; url: string }[];
  };
  const uid = datasources.datasources[0]?.uid;
  assert.equal(datasources.datasources[0]?.url, 'http://prometheus:9090');
  const dashboardDir = join(GRAFANA, 'dashboards');
  for (const name of readdirSync(dashboardDir).filter((n) => n.endsWith('.json'))) {
    const text = readFileSync(join(dashboardDir, name), 'utf8');
    const uids = [...text.matchAll(/"type": "prometheus",\s*"uid": "([^"]+)"/g)].map((m) => m[1]);
    assert.ok(uids.length > 0 && uids.every((u) => u === uid), `${name} must use datasource uid ${uid}`);
  }
});

test('the local scrape config discovers workers from the files registerWorkerEndpoint writes', () => {
  const config = parse(readFileSync(join(PROMETHEUS, 'prometheus.yml'), 'utf8')) as {
    scrape_configs: { file_sd_configs?: { files: string[] }[] }[];
  };
  const files = config.scrape_configs.flatMap((j) => j.file_sd_configs ?? []).flatMap((f) => f.files);
  assert.deepEqual(files, ['../../.kpo/workers/*.json']);
});
