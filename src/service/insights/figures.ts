import type { Usage } from '../../engine/adapters/types.js';

/** p50 and p95 of a sample, nearest-rank (the value at rank ceil(p·n)); nulls when empty. */
export function percentiles(values: number[]): { p50: number | null; p95: number | null } {
  if (values.length === 0) return { p50: null, p95: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
  return { p50: at(0.5), p95: at(0.95) };
}

export function emptyUsage(): Usage {
  return { tokens_in: 0, tokens_out: 0, cost_usd: 0 };
}

/** Adds `add` into `into` (cost kept to micro-dollars so sums print without float noise). */
export function addUsage(into: Usage, add: Usage): Usage {
  into.tokens_in += add.tokens_in;
  into.tokens_out += add.tokens_out;
  into.cost_usd = roundCost(into.cost_usd + add.cost_usd);
  return into;
}

export function roundCost(usd: number): number {
  return Math.round(usd * 1e6) / 1e6;
}

/** A stored Usage JSON, or null when absent or not a Usage. */
export function parseUsage(json: string | null): Usage | null {
  if (!json) return null;
  const u = JSON.parse(json) as Partial<Usage>;
  return {
    tokens_in: Number(u.tokens_in) || 0,
    tokens_out: Number(u.tokens_out) || 0,
    cost_usd: Number(u.cost_usd) || 0,
  };
}

/** The entry of `key`, made and added first when missing. */
export function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}
