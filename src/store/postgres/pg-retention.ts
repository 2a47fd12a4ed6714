import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunStatus } from '../../events/catalogue.js';
import {
  isActiveStatus,
  type LogPruneCandidate,
  type PrunableRun,
  type PruneCutoffs,
  prunableTrees,
  type RetentionStore,
  type RunTreeRow,
  type SpaceReport,
} from '../retention.js';
import type { PgDb, Queryable } from './pg-db.js';
import { pgGuard } from './pg-guard.js';
import { pgRollups } from './pg-rollups.js';

const ACTIVE = `('queued', 'running', 'waiting')`;

/** Output lines deleted per statement: each is its own short transaction. */
const LINES_PER_CHUNK = 5000;

/** The tables pruning deletes from (directly or by cascade), vacuumed after it. */
const PRUNED_TABLES = [
  'events',
  'runs',
  'run_labels',
  'steps',
  'step_attempts',
  'gates',
  'artifacts',
  'remembered_keys',
  'notification_deliveries',
];

/**
 * Retention on PostgreSQL, where other servers keep writing while it runs. No transaction spans
 * more than one run: output lines (most of a run's rows) go first in chunks of their own, then
 * one short transaction per run locks it (skipping a run another server's pruning holds), checks
 * it is finished, and deletes the rest. A tree is deleted children first, so an interruption
 * leaves a smaller tree that is still found next time, never an orphan. The event with the
 * highest seq is kept, as on SQLite, so a seq is never handed out twice whatever assigns them.
 */
export class PgRetention implements RetentionStore {
  constructor(
    private readonly db: PgDb,
    private readonly location: string,
    // The same construction as the other sub-stores; cutoffs arrive from the caller.
    _now: () => Date,
    /**
     * storage.artifact_dir: the store copied large artifacts to `<dir>/<run id>/…`, so deleting
     * a run removes that folder too (the project's own artifact folder is the caller's).
     */
    private readonly artifactDir: string | null = null,
  ) {}

  private guard<T>(fn: () => Promise<T>): Promise<T> {
    return pgGuard(this.location, fn);
  }

  findPrunableRuns(cutoffs: PruneCutoffs, limit: number): Promise<PrunableRun[]> {
    return this.guard(async () => {
      // Top-level finished runs past their status's cutoff with every descendant; a tree with
      // any active member is left out below.
      const { rows } = await this.db.query<RunTreeRow>(
        `WITH RECURSIVE roots AS (
           SELECT id, pipeline, status, finished_at, num FROM runs
           WHERE parent_run_id IS NULL AND finished_at IS NOT NULL AND (
             (status = 'completed' AND finished_at < $1) OR
             (status = 'failed' AND finished_at < $2) OR
             (status = 'cancelled' AND finished_at < $3))
           ORDER BY finished_at, num LIMIT $4
         ),
         tree (root, id) AS (
           SELECT id, id FROM roots
           UNION ALL SELECT tree.root, r.id FROM runs r JOIN tree ON r.parent_run_id = tree.id
         )
         SELECT roots.id AS root, roots.pipeline, roots.status AS root_status, roots.finished_at,
                tree.id, r.status
         FROM roots JOIN tree ON tree.root = roots.id JOIN runs r ON r.id = tree.id
         ORDER BY roots.finished_at, roots.num, r.num`,
        [cutoffs.completed, cutoffs.failed, cutoffs.cancelled, limit],
      );
      return prunableTrees(rows);
    });
  }

  deleteRuns(runIds: readonly string[]): Promise<string[]> {
    return this.guard(async () => {
      const last = await this.lastSeq(this.db);
      const deleted = new Set<string>();
      // Children come after their parent in `runIds`: delete from the end.
      for (const id of [...runIds].reverse()) {
        await this.deleteLines(id, last);
        if (!(await this.deleteRun(id, last))) continue;
        deleted.add(id);
        await this.removeSharedArtifacts(id);
      }
      return runIds.filter((id) => deleted.has(id));
    });
  }

  private async removeSharedArtifacts(runId: string): Promise<void> {
    // A run id is one path segment; anything else is not a folder this store made.
    if (this.artifactDir === null || runId !== basename(runId) || runId.startsWith('.')) return;
    await rm(join(this.artifactDir, runId), { recursive: true, force: true });
  }

  private deleteRun(id: string, last: number): Promise<boolean> {
    return this.db.tx(async (c) => {
      const { rows } = await c.query<{ status: RunStatus }>(
        'SELECT status FROM runs WHERE id = $1 FOR UPDATE SKIP LOCKED',
        [id],
      );
      const status = rows[0]?.status;
      if (status === undefined || isActiveStatus(status)) return false;
      await c.query('DELETE FROM events WHERE run_id = $1 AND seq < $2', [id, last]);
      await c.query('DELETE FROM remembered_keys WHERE run_id = $1', [id]);
      // Deliveries still pending are left to finish: they carry their body with them.
      await c.query(`DELETE FROM notification_deliveries WHERE run_id = $1 AND status != 'pending'`, [id]);
      // Steps, attempts, gates, artifacts and labels go by ON DELETE CASCADE.
      await pgRollups.remove(c, id);
      await c.query('DELETE FROM runs WHERE id = $1', [id]);
      return true;
    });
  }

  /**
   * Deletes a finished run's output lines in chunks, each statement its own transaction that
   * re-checks the run is finished; returns how many went. Lines another server's pruning holds
   * are left to it.
   */
  private async deleteLines(id: string, last: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.db.query(
        `DELETE FROM events WHERE seq IN (
           SELECT e.seq FROM events e JOIN runs r ON r.id = e.run_id
           WHERE e.run_id = $1 AND e.type = 'stream_activity' AND e.seq < $2 AND r.status NOT IN ${ACTIVE}
           ORDER BY e.seq LIMIT $3 FOR UPDATE OF e SKIP LOCKED)`,
        [id, last, LINES_PER_CHUNK],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < LINES_PER_CHUNK) return total;
    }
  }

  private async lastSeq(q: Queryable): Promise<number> {
    const { rows } = await q.query<{ seq: number }>('SELECT COALESCE(MAX(seq), 0) AS seq FROM events');
    return rows[0]?.seq ?? 0;
  }

  findLogsToPrune(cutoff: string, limit: number): Promise<LogPruneCandidate[]> {
    return this.guard(async () => {
      const { rows } = await this.db.query<{ id: string; lines: number }>(
        `SELECT r.id, COUNT(e.seq) AS lines FROM runs r
         JOIN events e ON e.run_id = r.id AND e.type = 'stream_activity'
         WHERE r.status NOT IN ${ACTIVE} AND r.finished_at < $1
           AND (r.parent_run_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM runs p WHERE p.id = r.parent_run_id AND p.status IN ${ACTIVE}))
         GROUP BY r.id, r.finished_at, r.num ORDER BY r.finished_at, r.num LIMIT $2`,
        [cutoff, limit],
      );
      return rows.map((r) => ({ id: r.id, lines: r.lines }));
    });
  }

  deleteLogs(runIds: readonly string[]): Promise<number> {
    return this.guard(async () => {
      const last = await this.lastSeq(this.db);
      let n = 0;
      for (const id of runIds) n += await this.deleteLines(id, last);
      return n;
    });
  }

  /**
   * PostgreSQL has no incremental_vacuum, and VACUUM FULL (which would give space back to the
   * file system) locks each table against every server. A plain VACUUM instead makes the
   * deleted rows' space reusable by new rows at once (returning only empty pages at a table's
   * end), without blocking writers; SKIP_LOCKED passes over a table another server is already
   * vacuuming. The report is the database's size around it, so `after` is usually close to
   * `before`: the space is reused rather than returned.
   */
  reclaimSpace(): Promise<SpaceReport> {
    return this.guard(async () => {
      const beforeBytes = await this.size();
      await this.db.query(`VACUUM (SKIP_LOCKED) ${PRUNED_TABLES.join(', ')}`);
      return { beforeBytes, afterBytes: await this.size() };
    });
  }

  private async size(): Promise<number> {
    const { rows } = await this.db.query<{ bytes: number }>(
      'SELECT pg_database_size(current_database()) AS bytes',
    );
    return rows[0]?.bytes ?? 0;
  }
}
