import { describe, expect, it } from 'vitest';
import { percentiles } from '../../../src/service/insights/figures.js';
import { histogramPercentiles } from '../../../src/service/insights/histogram.js';

/** The stores' bucket of a time in ms (insight-rollup-sql.ts), for building histograms here. */
const bucketOf = (v: number) => (v < 128 ? v : 128 + Math.floor((Math.log(v / 128) / Math.log(2)) * 64));

function histogram(values: number[]) {
  const out = new Map<number, { bucket: number; n: number; lo: number; hi: number }>();
  for (const v of values) {
    const b = bucketOf(v);
    const e = out.get(b);
    if (e) {
      e.n += 1;
      e.lo = Math.min(e.lo, v);
      e.hi = Math.max(e.hi, v);
    } else out.set(b, { bucket: b, n: 1, lo: v, hi: v });
  }
  return [...out.values()];
}

describe('histogramPercentiles', () => {
  it('is exact for values apart by more than a bucket, and null when empty', () => {
    expect(histogramPercentiles([])).toEqual({ p50: null, p95: null });
    const values = [10_000, 20_000, 4000, 7, 0, 130];
    expect(histogramPercentiles(histogram(values))).toEqual(percentiles(values));
  });

  it('is within 1.1 % of nearest rank over many close values', () => {
    // A deterministic spread of 10,000 times between 1 s and 60 s.
    let x = 12_345;
    const values = Array.from({ length: 10_000 }, () => {
      x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
      return 1000 + (x % 59_000);
    });
    const exact = percentiles(values);
    const got = histogramPercentiles(histogram(values));
    for (const k of ['p50', 'p95'] as const) {
      const e = exact[k] as number;
      expect(Math.abs((got[k] as number) - e) / e).toBeLessThan(0.011);
    }
  });
});
