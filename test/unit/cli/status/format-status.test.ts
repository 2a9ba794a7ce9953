import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus } from '../../../../cli/status/format-status.ts';
import type { StageStatus } from '../../../../cli/status/status-report.ts';

const stage = (name: string, extra: Partial<StageStatus> = {}): StageStatus => ({
  stage: name,
  groupId: `kpo-${name}`,
  inputTopic: `in.${name}`,
  consumers: 2,
  groupState: 'Stable',
  lag: 15,
  partitions: [],
  workers: [{ pid: 1, metricsUrl: 'http://127.0.0.1:1/metrics', up: true }],
  inFlight: 3,
  throughputPerSecond: 12.345,
  p99TaskSeconds: 0.0421,
  errors: [],
  ...extra,
});

test('one row per stage with consumers, lag, workers, in-flight, rate and p99; unknown figures show a dash', () => {
  const text = formatStatus({
    generatedAt: '2026-12-01T16:00:00.000Z',
    sampleMs: 1000,
    stages: [
      stage('rag'),
      stage('inference', {
        consumers: null,
        groupState: null,
        lag: null,
        inFlight: null,
        throughputPerSecond: null,
        p99TaskSeconds: null,
        workers: [],
        errors: ['lag: broker down'],
      }),
    ],
  });
  const lines = text.split('\n');
  assert.match(
    lines[0] ?? '',
    /^STAGE\s+GROUP\s+STATE\s+CONSUMERS\s+LAG\s+WORKERS\s+IN-FLIGHT\s+REC\/S\s+P99 TASK$/,
  );
  assert.match(lines[1] ?? '', /^rag\s+kpo-rag\s+Stable\s+2\s+15\s+1\/1\s+3\s+12\.3\s+42\.1 ms$/);
  assert.match(lines[2] ?? '', /^inference\s+kpo-inference\s+-\s+-\s+-\s+0\/0\s+-\s+-\s+-$/);
  assert.ok(text.includes('inference: lag: broker down'));
});
