/**
 * Prometheus' histogram_quantile over cumulative buckets: find the bucket the
 * rank falls in and interpolate linearly inside it (the lowest bucket from 0).
 * A rank in the +Inf bucket returns the highest finite bound.
 */
export interface CumulativeBucket {
  /** Upper bound (le); Infinity for +Inf. */
  readonly le: number;
  /** Observations ≤ le. */
  readonly count: number;
}

export function histogramQuantile(q: number, buckets: readonly CumulativeBucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (sorted.length < 2 || total <= 0 || !(q >= 0 && q <= 1)) return null;
  const rank = q * total;
  let previousLe = 0;
  let previousCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Number.POSITIVE_INFINITY) return previousLe;
      const inBucket = bucket.count - previousCount;
      if (inBucket <= 0) return bucket.le;
      return previousLe + (bucket.le - previousLe) * ((rank - previousCount) / inBucket);
    }
    previousLe = bucket.le;
    previousCount = bucket.count;
  }
  return previousLe;
}
