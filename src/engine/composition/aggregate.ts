import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, relative, resolve } from 'node:path';
import type { CompositionResult, CompositionScope, StepError } from './scope.js';

/**
 * `aggregate` (GOWAVE.md §3): `from` resolved, merged by `strategy`, written to `into` (relative
 * to the project root) and kept as the step's artifact named after `into`'s base name.
 */
export async function runAggregate(s: CompositionScope): Promise<CompositionResult> {
  const agg = s.comp.aggregate!;
  const text = await s.resolve(agg.from);
  const merged = agg.strategy === 'merge_arrays' ? mergeArrays(text, agg.key) : text;
  if (typeof merged !== 'string') return { ok: false, error: merged };
  const root = s.ctx.project.root;
  const into = resolve(root, agg.into);
  const rel = relative(root, into);
  if (rel === '' || rel.startsWith('..') || resolve(root, rel) !== into) {
    return {
      ok: false,
      error: { code: 'invalid_path', message: `aggregate.into "${agg.into}" lies outside the project` },
    };
  }
  mkdirSync(dirname(into), { recursive: true });
  writeFileSync(into, merged);
  const name = basename(into, extname(into)) || basename(into);
  await s.outputs.addFile(name, into, 'json');
  return { ok: true };
}

/**
 * merge_arrays: with `key`, the arrays at `key` of every element, concatenated; without, the
 * elements that are arrays spread out (nulls dropped), unless no element is an array.
 */
export function mergeArrays(text: string, key: string | null): string | StepError {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { code: 'aggregate_failed', message: `aggregate: "from" is not JSON: ${clip(text)}` };
  }
  if (!Array.isArray(data))
    return { code: 'aggregate_failed', message: `aggregate: "from" is not a JSON array: ${clip(text)}` };
  if (key !== null) {
    const out: unknown[] = [];
    for (const [i, el] of data.entries()) {
      const v = el && typeof el === 'object' ? (el as Record<string, unknown>)[key] : undefined;
      if (!Array.isArray(v))
        return { code: 'aggregate_failed', message: `aggregate: element ${i} has no array at "${key}"` };
      out.push(...v);
    }
    return JSON.stringify(out);
  }
  if (!data.some(Array.isArray)) return text;
  const out: unknown[] = [];
  for (const el of data) {
    if (Array.isArray(el)) out.push(...el);
    else if (el !== null) out.push(el);
  }
  return JSON.stringify(out);
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
