import type { Run, RunStatus, WaveEvent } from '../api/types.js';
import { applyEventToRun, isTerminalStatus } from './run-projection.js';

/** The board's columns, in the order a run moves through them. */
export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'completed',
  'failed',
  'cancelled',
] as const satisfies readonly RunStatus[];

export const ACTIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'waiting'];
export const FINISHED_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

/** Finished runs per page: the board loads the newest, then older ones on request. */
export const FINISHED_PAGE = 25;

export interface BoardFilter {
  pipeline: string | null;
  status: RunStatus | null;
}

/** The runs the board knows, by id. Treated as immutable: every change returns a new board. */
export type Board = ReadonlyMap<string, Run>;

export const emptyBoard: Board = new Map();

export function matchesFilter(run: Pick<Run, 'pipeline' | 'status'>, filter: BoardFilter): boolean {
  return (
    (filter.pipeline === null || run.pipeline === filter.pipeline) &&
    (filter.status === null || run.status === filter.status)
  );
}

/** The statuses of `group` the filter lets through (what to ask the API for). */
export function statusesToLoad(group: readonly RunStatus[], filter: BoardFilter): RunStatus[] {
  return group.filter((s) => filter.status === null || filter.status === s);
}

/**
 * Adds or replaces runs. A fetched run never takes a finished run back to an active status:
 * the fetch may have started before the run's last event arrived. Child runs of composition
 * steps are not board runs (their parent's card counts them).
 */
export function upsertRuns(board: Board, runs: readonly Run[]): Board {
  if (runs.length === 0) return board;
  const next = new Map(board);
  for (const run of runs) {
    if (run.parent !== null) continue;
    const known = next.get(run.id);
    if (known && isTerminalStatus(known.status) && !isTerminalStatus(run.status)) continue;
    next.set(run.id, run);
  }
  return next;
}

export function removeRuns(board: Board, ids: Iterable<string>): Board {
  const next = new Map(board);
  for (const id of ids) next.delete(id);
  return next;
}

/** Moves known runs between columns as their events arrive. Unknown runs are left to a fetch. */
export function applyBoardEvents(board: Board, events: readonly WaveEvent[]): Board {
  let next: Map<string, Run> | null = null;
  for (const e of events) {
    const run = (next ?? board).get(e.run_id);
    if (!run) continue;
    const updated = applyEventToRun(run, e);
    if (updated === run) continue;
    next ??= new Map(board);
    next.set(run.id, updated);
  }
  return next ?? board;
}

/**
 * Runs a run-level event names that the board does not hold (to fetch): new runs, and runs
 * outside the loaded pages that just changed status. The board keeps them whatever their
 * status, so a later event moves them without another fetch. Known child runs are skipped.
 */
export function unknownRunIds(
  board: Board,
  events: readonly WaveEvent[],
  filter: BoardFilter,
  children: ReadonlySet<string> = new Set(),
): string[] {
  const ids = new Set<string>();
  for (const e of events) {
    if (board.has(e.run_id) || children.has(e.run_id) || !e.type.startsWith('run_')) continue;
    if (e.type === 'run_queued' && filter.pipeline !== null && e.pipeline !== filter.pipeline) continue;
    ids.add(e.run_id);
  }
  return [...ids];
}

/** Child runs the events reveal: queued by a pipeline, or started by a composition step. */
export function childRunIds(events: readonly WaveEvent[]): string[] {
  const ids: string[] = [];
  for (const e of events) {
    if (e.type === 'run_queued' && e.trigger.source === 'pipeline') ids.push(e.run_id);
    else if (e.type === 'child_run_started') ids.push(e.child_run_id);
  }
  return ids;
}

/** Board runs whose child count an event changed (to fetch: the API's count is the truth). */
export function parentsWithNewChildren(board: Board, events: readonly WaveEvent[]): string[] {
  const ids = new Set<string>();
  for (const e of events) if (e.type === 'child_run_started' && board.has(e.run_id)) ids.add(e.run_id);
  return [...ids];
}

export type Columns = Record<RunStatus, Run[]>;

/**
 * The runs per column: queued in queue order (oldest first), the others newest first.
 */
export function columnsOf(board: Board, filter: BoardFilter): Columns {
  const columns: Columns = {
    queued: [],
    running: [],
    waiting: [],
    completed: [],
    failed: [],
    cancelled: [],
  };
  for (const run of board.values()) if (matchesFilter(run, filter)) columns[run.status].push(run);
  const newestFirst = (a: Run, b: Run) =>
    b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);
  for (const status of RUN_STATUSES) columns[status].sort(newestFirst);
  columns.queued.reverse();
  return columns;
}
