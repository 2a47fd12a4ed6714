import type { RunDetailView, RunsApi, RunView } from '../runs-api.js';

/** A composition step's child run as `wave status` shows it: its place, pipeline and status. */
export interface ChildRunSummary {
  id: string;
  /** Its place in the step's `children` (item order). */
  index: number;
  pipeline: string | null;
  status: string;
  duration_ms: number | null;
  error: string | null;
}

/** Pages of the API's largest size: an iterate over hundreds of items takes a few requests. */
const PAGE = 200;

/**
 * The child runs of each composition step of `run`, in item order. The step lists the ids; one
 * listing of the run's children (`?parent=`) gives their status, so no request per child.
 */
export async function childRunsByStep(
  api: RunsApi,
  run: RunDetailView,
): Promise<Map<string, ChildRunSummary[]>> {
  const byStep = new Map<string, ChildRunSummary[]>();
  if (!run.steps.some((s) => s.children.length > 0)) return byStep;
  const known = new Map<string, RunView>();
  let cursor: string | undefined;
  do {
    const page = await api.list({ limit: PAGE, parent: run.id, ...(cursor ? { cursor } : {}) });
    for (const child of page.runs) known.set(child.id, child);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  // A retry's reused step lists the children it ran in the source run: those are read one by one.
  for (const id of run.steps.flatMap((s) => s.children)) {
    if (!known.has(id)) known.set(id, await api.get(id));
  }
  for (const step of run.steps) {
    if (step.children.length === 0) continue;
    byStep.set(
      step.id,
      step.children.map((id, index) => {
        const child = known.get(id);
        return {
          id,
          index,
          pipeline: child?.pipeline ?? null,
          status: child?.status ?? 'unknown',
          duration_ms: child?.duration_ms ?? null,
          error: child?.error?.message ?? null,
        };
      }),
    );
  }
  return byStep;
}
