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
