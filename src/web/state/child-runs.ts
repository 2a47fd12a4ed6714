import type { Run, RunDetail, RunStatus, WaveEvent } from '../api/types.js';

/** A child run under its composition step on the run page. */
export interface ChildRow {
  id: string;
  /** Its place in the step's `children` (item order); null until the API has listed it. */
  index: number | null;
  pipeline: string | null;
  /** null: known by id only (listed by the step, not yet fetched). */
  status: RunStatus | null;
  duration_ms: number | null;
  started_at: string | null;
  finished_at: string | null;
}

/** Child run ids on the parent's stream, so a page knows when to fetch the children again. */
export function childEventCount(events: readonly WaveEvent[]): number {
  let n = 0;
  for (const e of events) if (e.type === 'child_run_started' || e.type === 'child_run_finished') n++;
  return n;
}

/**
 * The children of each composition step: the ids the step lists (item order), then any that a
 * `child_run_started` event announced since; status from the fetched child runs, overridden by
 * newer `child_run_finished` / `child_run_started` events of the parent's stream.
 */
export function childRowsByStep(
  detail: Pick<RunDetail, 'steps'>,
  children: readonly Run[],
  events: readonly WaveEvent[],
): Map<string, ChildRow[]> {
  const fetched = new Map(children.map((c) => [c.id, c]));
  const rows = new Map<string, ChildRow[]>();
  const byId = new Map<string, ChildRow>();
  const add = (step: string, row: ChildRow) => {
    const list = rows.get(step);
    if (list) list.push(row);
    else rows.set(step, [row]);
    byId.set(row.id, row);
  };
  const rowOf = (id: string, index: number | null, pipeline: string | null): ChildRow => {
    const run = fetched.get(id);
    return {
      id,
      index,
      pipeline: run?.pipeline ?? pipeline,
      status: run?.status ?? null,
      duration_ms: run?.duration_ms ?? null,
      started_at: run?.started_at ?? null,
      finished_at: run?.finished_at ?? null,
    };
  };
  for (const step of detail.steps)
    step.children.forEach((id, index) => {
      add(step.id, rowOf(id, index, null));
    });
  for (const e of events) {
    if (e.type === 'child_run_started') {
      const row = byId.get(e.child_run_id);
      if (!row) add(e.step, { ...rowOf(e.child_run_id, null, e.pipeline), status: 'running' });
      else {
        row.pipeline ??= e.pipeline;
        row.status ??= 'running';
      }
    } else if (e.type === 'child_run_finished') {
      const row = byId.get(e.child_run_id);
      if (row) row.status = e.status;
    }
  }
  return rows;
}

/** "3 child runs: 2 completed, 1 failed": a step's children in one line. */
export function childSummary(rows: readonly ChildRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status ?? 'unknown', (counts.get(r.status ?? 'unknown') ?? 0) + 1);
  const parts = [...counts].map(([status, n]) => `${n} ${status}`);
  return `${rows.length} child ${rows.length === 1 ? 'run' : 'runs'}: ${parts.join(', ')}`;
}
