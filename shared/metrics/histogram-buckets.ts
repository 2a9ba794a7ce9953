/**
 * Histogram buckets (upper bounds). histogram_quantile interpolates inside a
 * bucket, so a quantile is only as sharp as the buckets around it: these use a
 * 1-2-5 series (at most 2.5× between bounds) across the range each figure
 * lives in.
 */

/** Task duration and queue wait: 1 ms … 10 min. */
export const DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600,
];

/** Time to first token: 5 ms … 2 min. */
export const TTFT_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 20, 30, 60, 120,
];

/** Inter-token latency: 0.5 ms … 5 s. */
export const ITL_BUCKETS_SECONDS: readonly number[] = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1, 2, 5,
];

/** End-to-end request latency: 10 ms … 10 min. */
export const E2E_BUCKETS_SECONDS: readonly number[] = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600,
];

/** Micro-batch sizes (records per batch): 1 … 1024. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
