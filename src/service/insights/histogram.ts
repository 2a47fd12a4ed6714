import type { TimeBucket } from '../../store/insights-records.js';

/** Times below this many ms have a bucket each; above, 64 buckets per doubling. */
const EXACT_BELOW = 128;
const PER_DOUBLING = 64;

/** The least time in ms that falls in bucket `b` (the inverse of the stores' bucket expression). */
function bucketFloor(b: number): number {
  return b < EXACT_BELOW ? b : EXACT_BELOW * 2 ** ((b - EXACT_BELOW) / PER_DOUBLING);
}

type Counted = Pick<TimeBucket, 'bucket' | 'n' | 'lo' | 'hi'>;

/**
 * Nearest-rank p50 and p95 (rank max(1, ceil(p·n))) of a histogram; nulls when empty. Exact
 * when the ranked value is the only distinct one in its bucket or the least or greatest of it
 * (every bucket keeps its least and greatest value); otherwise the bucket's geometric middle,
 * kept within them, which is within 1.1 % (one bucket's width) of the true value.
 */
export function histogramPercentiles(buckets: readonly Counted[]): {
  p50: number | null;
  p95: number | null;
} {
  const sorted = [...buckets].filter((b) => b.n > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((n, b) => n + b.n, 0);
  if (total === 0) return { p50: null, p95: null };
  const at = (p: number): number => {
    const rank = Math.max(1, Math.ceil(p * total));
    let seen = 0;
    for (const b of sorted) {
      if (seen + b.n < rank) {
        seen += b.n;
        continue;
      }
      const place = rank - seen;
      if (b.lo === b.hi || place === 1) return b.lo;
      if (place === b.n) return b.hi;
      const middle = Math.round(Math.sqrt(bucketFloor(b.bucket) * bucketFloor(b.bucket + 1)));
      return Math.min(b.hi, Math.max(b.lo, middle));
    }
    return (sorted[sorted.length - 1] as Counted).hi;
  };
  return { p50: at(0.5), p95: at(0.95) };
}

/** Adds a bucket of the same series into `into`: counts add, bounds widen. */
export function mergeBucket(into: Counted, add: Counted): void {
  into.n += add.n;
  into.lo = Math.min(into.lo, add.lo);
  into.hi = Math.max(into.hi, add.hi);
}
