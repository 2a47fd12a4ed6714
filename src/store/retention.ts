import type { RunStatus } from '../events/catalogue.js';

/**
 * Which finished runs may go: a top-level run finished before the cutoff of its status goes
 * with its child runs. A null cutoff keeps that status forever.
 */
export interface PruneCutoffs {
  completed: string | null;
  failed: string | null;
  cancelled: string | null;
}

/** A finished top-level run that pruning would delete, with its child runs. */
export interface PrunableRun {
  id: string;
  pipeline: string;
  status: RunStatus;
  finishedAt: string;
  /** The run and its descendants, all of which are deleted together. */
  runIds: string[];
}

/** Finished runs whose output lines pruning would drop (the runs themselves stay). */
export interface LogPruneCandidate {
  id: string;
  lines: number;
}

export interface SpaceReport {
  /** The database's size in bytes (file and WAL) before and after reclaiming. */
  beforeBytes: number;
  afterBytes: number;
}

/**
 * Retention's part of the store (storage.retention, `wave prune`). Active runs are never
 * touched, nor runs whose root run is still active; every call re-checks that inside its
 * transaction, so a run that became active meanwhile (it cannot, but a bad clock can lie) stays.
 */
export interface RetentionStore {
  /** Up to `limit` prunable top-level runs, oldest first. */
  findPrunableRuns(cutoffs: PruneCutoffs, limit: number): Promise<PrunableRun[]>;
  /**
   * Deletes the runs (events, steps, gates, artifact rows, labels, idempotency keys, finished
   * notification deliveries) in one transaction; returns the ids actually deleted.
   */
  deleteRuns(runIds: readonly string[]): Promise<string[]>;
  /** Up to `limit` finished runs before `cutoff` that still have output lines. */
  findLogsToPrune(cutoff: string, limit: number): Promise<LogPruneCandidate[]>;
  /** Drops only the runs' stream_activity events; returns how many went. */
  deleteLogs(runIds: readonly string[]): Promise<number>;
  /**
   * Gives the space freed by deletions back to the file system (SQLite); PostgreSQL makes it
   * reusable by new rows instead (see PgRetention.reclaimSpace).
   */
  reclaimSpace(): Promise<SpaceReport>;
}

/** A row of a prunable run tree: its top-level run's facts beside one member's id and status. */
export interface RunTreeRow {
  root: string;
  pipeline: string;
  root_status: RunStatus;
  finished_at: string;
  id: string;
  status: RunStatus;
}

export function isActiveStatus(status: RunStatus): boolean {
  return status === 'queued' || status === 'running' || status === 'waiting';
}

/**
 * Groups run-tree rows (ordered by root, then member) into prunable runs, leaving out a tree any
 * member of which is still active: both stores read the same rows, each in its own dialect.
 */
export function prunableTrees(rows: readonly RunTreeRow[]): PrunableRun[] {
  const byRoot = new Map<string, PrunableRun & { active: boolean }>();
  for (const row of rows) {
    let entry = byRoot.get(row.root);
    if (!entry) {
      entry = {
        id: row.root,
        pipeline: row.pipeline,
        status: row.root_status,
        finishedAt: row.finished_at,
        runIds: [],
        active: false,
      };
      byRoot.set(row.root, entry);
    }
    entry.runIds.push(row.id);
    if (isActiveStatus(row.status)) entry.active = true;
  }
  return [...byRoot.values()].filter((e) => !e.active).map(({ active: _, ...run }) => run);
}
