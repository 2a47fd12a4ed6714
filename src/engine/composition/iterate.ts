import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { primaryOutput } from './outputs.js';
import { resolveItem, resolvePlaceholders } from './refs.js';
import { type CompositionResult, type CompositionScope, childError, type ItemEnd } from './scope.js';

/**
 * `iterate`: one child per item of `over` (a JSON array), in parallel up to max_concurrent or
 * one after another. Each child's primary output goes into `collected-output` in item order
 * (null for a failed item). `on_failure: fail` stops at the first failure (siblings are
 * cancelled); `continue` lets the others finish and fails the step only if every item failed.
 */
export async function runIterate(s: CompositionScope): Promise<CompositionResult> {
  const it = s.comp.iterate!;
  const overText = await s.resolve(it.over);
  let items: unknown;
  try {
    items = JSON.parse(overText);
  } catch {
    items = undefined;
  }
  if (!Array.isArray(items)) {
    return {
      ok: false,
      error: {
        code: 'iterate_not_array',
        message: `iterate.over did not resolve to a JSON array: ${clip(overText)}`,
      },
    };
  }
  const list: unknown[] = items;
  const n = list.length;
  const limit = it.parallel ? it.maxConcurrent || n : 1;
  const ends: (ItemEnd | null)[] = new Array(n).fill(null);
  const stopSiblings = new AbortController();
  const signal = AbortSignal.any([s.signal, stopSiblings.signal]);
  let next = 0;
  let firstFailure: { index: number; end: ItemEnd } | null = null;

  const worker = async () => {
    while (next < n && !signal.aborted) {
      const index = next++;
      const item = list[index];
      const pipeline = resolvePlaceholders(resolveItem(s.comp.pipeline ?? '', item, index), s.values);
      const end = await s.runChild({
        index,
        pipeline,
        input: await s.childInput({ value: item, index }),
        iteration: index,
        signal,
      });
      ends[index] = end;
      if (end.status !== 'completed' && end.status !== 'interrupted') {
        s.ctx.recorder.activity({
          step: s.step.id,
          stream: 'stderr',
          content: `item ${index} (${pipeline}) ${end.status}: ${end.error?.message ?? ''}`,
        });
        if (it.onFailure === 'fail' && !firstFailure) {
          firstFailure = { index, end };
          stopSiblings.abort();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));

  if (s.signal.aborted || ends.some((e) => e?.status === 'interrupted')) return { cancelled: true };
  const failure = firstFailure as { index: number; end: ItemEnd } | null;
  if (failure) return { ok: false, error: childError(failure.end, `item ${failure.index}`) };

  const collected: unknown[] = [];
  for (const end of ends) {
    if (end?.status !== 'completed' || !end.run) {
      collected.push(null);
      continue;
    }
    const [spec, artifacts] = await Promise.all([
      s.ctx.store.getRunSpec(end.run.id),
      s.ctx.store.listArtifacts(end.run.id),
    ]);
    collected.push(spec ? primaryOutput(spec, artifacts) : null);
  }
  const text = JSON.stringify(collected, null, 2);
  await s.outputs.addText('collected-output', text, 'json');
  // Also where the Go Wave writes it: command steps of shipped pipelines read it there.
  if (s.ctx.children) {
    mkdirSync(s.ctx.children.outputDir, { recursive: true });
    writeFileSync(join(s.ctx.children.outputDir, `${s.step.id}-collected.json`), text);
  }
  const failed = ends.filter((e) => e?.status !== 'completed').length;
  if (n > 0 && failed === n) {
    const last = ends[n - 1]!;
    return { ok: false, error: childError(last, `every item (${n}) failed; the last,`) };
  }
  return { ok: true };
}

function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
