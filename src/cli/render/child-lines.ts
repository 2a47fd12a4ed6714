import type { WaveEvent } from '../../events/catalogue.js';

/** A child run of a composition step, as the parent's stream tells of it. */
export interface ChildLine {
  id: string;
  pipeline: string;
  status: string;
  startedAt: number;
  endedAt: number | null;
}

/** At most this many child lines under a step: an iterate over 200 items must fit a terminal. */
export const MAX_CHILD_LINES = 6;

/**
 * The children of each composition step, live from `child_run_started` / `child_run_finished`
 * on the parent's stream, in the order they started (the events carry no item index).
 */
export class ChildRuns {
  private readonly byStep = new Map<string, ChildLine[]>();

  /** True when the event changed a child line. */
  apply(e: WaveEvent): boolean {
    if (e.type === 'child_run_started') {
      const list = this.byStep.get(e.step) ?? [];
      if (list.some((c) => c.id === e.child_run_id)) return false;
      list.push({
        id: e.child_run_id,
        pipeline: e.pipeline,
        status: 'running',
        startedAt: Date.parse(e.ts),
        endedAt: null,
      });
      this.byStep.set(e.step, list);
      return true;
    }
    if (e.type === 'child_run_finished') {
      const child = this.byStep.get(e.step)?.find((c) => c.id === e.child_run_id);
      if (!child) return false;
      child.status = e.status;
      child.endedAt = Date.parse(e.ts);
      return true;
    }
    return false;
  }

  /** A cancelled parent: children still running are shown cancelled (the service cancels them). */
  cancelActive(at: number): void {
    for (const list of this.byStep.values())
      for (const c of list) if (c.endedAt === null) Object.assign(c, { status: 'cancelled', endedAt: at });
  }

  of(step: string): readonly ChildLine[] {
    return this.byStep.get(step) ?? [];
  }

  /**
   * What to draw under a step: every child when they fit, else the active ones first, then the
   * latest finished, and a count of the rest by status.
   */
  shown(step: string): { lines: readonly ChildLine[]; rest: string | null } {
    const all = this.of(step);
    if (all.length <= MAX_CHILD_LINES) return { lines: all, rest: null };
    const keep = MAX_CHILD_LINES - 1;
    const active = all.filter((c) => c.endedAt === null);
    const finished = all.filter((c) => c.endedAt !== null);
    const picked = new Set([...active, ...finished.reverse()].slice(0, keep));
    const lines = all.filter((c) => picked.has(c));
    const counts = new Map<string, number>();
    for (const c of all) if (!picked.has(c)) counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
    const parts = [...counts].map(([status, n]) => `${n} ${status}`);
    return { lines, rest: `${all.length - lines.length} more: ${parts.join(', ')}` };
  }
}
