import type { WaveEvent } from '../events/catalogue.js';
import type { RunRecord, StepRecord, Store } from '../store/store.js';

/** Retries of retries: how far back a reused step's children are looked for. */
const MAX_DEPTH = 16;

/**
 * A retry's or fork's reused composition step ran in the source run, so its children belong to
 * that run: the step lists them (API.md "Lineage": a reused iterate keeps its children's
 * results), following the source's own origin when the step was reused there too.
 */
export async function withReusedChildren(
  store: Store,
  run: RunRecord,
  steps: StepRecord[],
  depth = 0,
): Promise<StepRecord[]> {
  if (!run.origin || depth >= MAX_DEPTH) return steps;
  const reused = await reusedSteps(store, run.id);
  if (!steps.some((s) => reused.has(s.id) && s.children.length === 0)) return steps;
  const source = await store.getRun(run.origin.runId);
  if (!source) return steps;
  const sourceSteps = await withReusedChildren(store, source, await store.listSteps(source.id), depth + 1);
  const childrenOf = new Map(sourceSteps.map((s) => [s.id, s.children]));
  return steps.map((s) =>
    reused.has(s.id) && s.children.length === 0 ? { ...s, children: childrenOf.get(s.id) ?? [] } : s,
  );
}

/** The steps announced completed with `reused: true` (written when the run was created). */
async function reusedSteps(store: Store, runId: string): Promise<Set<string>> {
  const rows = await store.readEvents({ runId, afterSeq: 0, types: ['step_completed'], limit: 100_000 });
  const out = new Set<string>();
  for (const row of rows) {
    const e = JSON.parse(row.json) as WaveEvent;
    if (e.type === 'step_completed' && e.reused) out.add(e.step);
  }
  return out;
}
