import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile } from '../../../../cli/status/histogram-quantile.ts';

const inf = Number.POSITIVE_INFINITY;

test('interpolates linearly inside the bucket the rank falls in, like Prometheus', () => {
  // 100 observations: 50 ≤ 0.1, 90 ≤ 0.5, 100 ≤ 1.
  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.5, count: 90 },
    { le: 1, count: 100 },
    { le: inf, count: 100 },
  ];
  assert.equal(histogramQuantile(0.5, buckets), 0.1);
  assert.ok(Math.abs((histogramQuantile(0.7, buckets) ?? 0) - 0.3) < 1e-12);
  assert.ok(Math.abs((histogramQuantile(0.99, buckets) ?? 0) - 0.95) < 1e-12);
  assert.ok(Math.abs((histogramQuantile(0.25, buckets) ?? 0) - 0.05) < 1e-12, 'lowest bucket starts at 0');
});

test('a rank in the +Inf bucket returns the highest finite bound; no observations gives null', () => {
  assert.equal(
    histogramQuantile(0.99, [
      { le: 1, count: 1 },
      { le: inf, count: 10 },
    ]),
    1,
  );
  assert.equal(
    histogramQuantile(0.99, [
      { le: 1, count: 0 },
      { le: inf, count: 0 },
    ]),
    null,
  );
  assert.equal(histogramQuantile(0.99, []), null);
});
