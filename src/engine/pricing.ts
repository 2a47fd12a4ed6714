import type { ModelPrice } from '../config/config.js';
import type { Usage } from './adapters/types.js';

/**
 * The price of a model: its exact id in `pricing`, else the longest key the id contains (a
 * family such as `sonnet` prices `claude-sonnet-4-5`), else none.
 */
export function priceOf(
  model: string | null,
  pricing: Readonly<Record<string, ModelPrice>>,
): ModelPrice | null {
  if (!model) return null;
  const exact = pricing[model];
  if (exact) return exact;
  const id = model.toLowerCase();
  const family = Object.keys(pricing)
    .filter((k) => id.includes(k.toLowerCase()))
    .sort((a, b) => b.length - a.length)[0];
  return family ? pricing[family]! : null;
}

/**
 * Usage with cost_usd from `pricing` when the adapter reported tokens but no cost; a cost the
 * adapter reported is kept as it is (API.md "Insights and retrospectives").
 */
export function priceUsage(
  usage: Usage | null,
  model: string | null,
  pricing: Readonly<Record<string, ModelPrice>>,
): Usage | null {
  if (!usage || usage.cost_usd > 0 || usage.tokens_in + usage.tokens_out === 0) return usage;
  const price = priceOf(model, pricing);
  if (!price) return usage;
  const cost =
    (usage.tokens_in * price.input_per_mtok + usage.tokens_out * price.output_per_mtok) / 1_000_000;
  return { ...usage, cost_usd: cost };
}
