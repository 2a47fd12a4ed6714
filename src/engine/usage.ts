import type { Usage } from './adapters/types.js';

/** Token and cost usage added up (attempts of a step, steps of a run). */
export function addUsage(a: Usage | null, b: Usage | null): Usage | null {
  if (!a) return b;
  if (!b) return a;
  return {
    tokens_in: a.tokens_in + b.tokens_in,
    tokens_out: a.tokens_out + b.tokens_out,
    cost_usd: a.cost_usd + b.cost_usd,
  };
}

export function sumUsage(list: readonly (Usage | null)[]): Usage | null {
  return list.reduce<Usage | null>(addUsage, null);
}
