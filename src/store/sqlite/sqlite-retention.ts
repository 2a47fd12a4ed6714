import { statSync } from 'node:fs';
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
import type { Db } from './open-database.js';
import type { SqliteRollups } from './sqlite-rollups.js';

const ACTIVE = `('queued', 'running', 'waiting')`;

/**
 * Retention on SQLite. The event with the highest seq is never deleted: seq is MAX(seq) + 1,
 * so removing it would hand a used seq to the next event and break readers' cursors.
 */
export class SqliteRetention implements RetentionStore {
  private readonly s;

  constructor(
    private readonly db: Db,
    private readonly path: string,
    private readonly guard: <T>(fn: () => T) => Promise<T>,
    private readonly rollups: SqliteRollups,
  ) {
    this.s = {
      // Top-level finished runs past their status's cutoff with every descendant; a tree with
      // any active member is left out by the caller of this query.
      candidates: db.prepare(`
        WITH RECURSIVE roots AS (
          SELECT id, pipeline, status, finished_at, num FROM runs
          WHERE parent_run_id IS NULL AND finished_at IS NOT NULL AND (
            (status = 'completed' AND finished_at < @completed) OR
            (status = 'failed' AND finished_at < @failed) OR
            (status = 'cancelled' AND finished_at < @cancelled))
          ORDER BY finished_at LIMIT @limit
        ),
        tree (root, id) AS (
          SELECT id, id FROM roots
          UNION ALL SELECT tree.root, r.id FROM runs r JOIN tree ON r.parent_run_id = tree.id
        )
        SELECT roots.id AS root, roots.pipeline, roots.status AS root_status, roots.finished_at,
               tree.id, r.status
        FROM roots JOIN tree ON tree.root = roots.id JOIN runs r ON r.id = tree.id
        ORDER BY roots.finished_at, roots.num, r.num`),
      runStatus: db.prepare('SELECT status FROM runs WHERE id = ?').pluck(),
      nameNum: db.prepare('SELECT num FROM event_names WHERE name = ?').pluck(),
      maxSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) FROM events').pluck(),
      deleteEvents: db.prepare('DELETE FROM events WHERE run = ? AND seq < ?'),
      deleteKeys: db.prepare('DELETE FROM remembered_keys WHERE run_id = ?'),
      // Deliveries still pending are left to finish: they carry their body with them.
      deleteDeliveries: db.prepare(
        `DELETE FROM notification_deliveries WHERE run_id = ? AND status != 'pending'`,
      ),
      deleteRun: db.prepare(`DELETE FROM runs WHERE id = ? AND status NOT IN ${ACTIVE}`),
      logCandidates: db.prepare(`
        SELECT r.id, n.num, COUNT(e.seq) AS lines FROM runs r
        JOIN event_names n ON n.name = r.id
        JOIN events e ON e.run = n.num AND e.type = @type
        WHERE r.status NOT IN ${ACTIVE} AND r.finished_at < @cutoff
          AND (r.parent_run_id IS NULL OR NOT EXISTS (
            SELECT 1 FROM runs p WHERE p.id = r.parent_run_id AND p.status IN ${ACTIVE}))
        GROUP BY r.id ORDER BY r.finished_at LIMIT @limit`),
      deleteLogs: db.prepare('DELETE FROM events WHERE run = ? AND type = ? AND seq < ?'),
      autoVacuum: db.prepare('PRAGMA auto_vacuum').pluck(),
    };
  }

  findPrunableRuns(cutoffs: PruneCutoffs, limit: number): Promise<PrunableRun[]> {
    return this.guard(() => {
      const rows = this.s.candidates.all({ ...cutoffs, limit }) as RunTreeRow[];
      return prunableTrees(rows);
    });
  }

  deleteRuns(runIds: readonly string[]): Promise<string[]> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const last = this.s.maxSeq.get() as number;
          const deleted: string[] = [];
          for (const id of runIds) {
            const status = this.s.runStatus.get(id) as RunStatus | undefined;
            if (status === undefined || isActiveStatus(status)) continue;
            const num = this.s.nameNum.get(id) as number | undefined;
            if (num !== undefined) this.s.deleteEvents.run(num, last);
            this.s.deleteKeys.run(id);
            this.s.deleteDeliveries.run(id);
            // Steps, attempts, gates, artifacts and labels go by ON DELETE CASCADE.
            this.rollups.remove(id);
            this.s.deleteRun.run(id);
            deleted.push(id);
          }
          return deleted;
        })
        .immediate(),
    );
  }

  findLogsToPrune(cutoff: string, limit: number): Promise<LogPruneCandidate[]> {
    return this.guard(() => {
      const type = this.s.nameNum.get('stream_activity') as number | undefined;
      if (type === undefined) return [];
      const rows = this.s.logCandidates.all({ type, cutoff, limit }) as { id: string; lines: number }[];
      return rows.map((r) => ({ id: r.id, lines: r.lines }));
    });
  }

  deleteLogs(runIds: readonly string[]): Promise<number> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const type = this.s.nameNum.get('stream_activity') as number | undefined;
          if (type === undefined) return 0;
          const last = this.s.maxSeq.get() as number;
          let n = 0;
          for (const id of runIds) {
            const status = this.s.runStatus.get(id) as RunStatus | undefined;
            if (status === undefined || isActiveStatus(status)) continue;
            const num = this.s.nameNum.get(id) as number | undefined;
            if (num !== undefined) n += this.s.deleteLogs.run(num, type, last).changes;
          }
          return n;
        })
        .immediate(),
    );
  }

  reclaimSpace(): Promise<SpaceReport> {
    return this.guard(() => {
      const beforeBytes = this.size();
      // 2 = incremental. A file made before this mode was the default is switched once by a
      // VACUUM (which rewrites it); afterwards freed pages are returned without rewriting.
      if (this.s.autoVacuum.get() !== 2) {
        this.db.pragma('auto_vacuum = INCREMENTAL');
        this.db.exec('VACUUM');
      } else {
        this.db.pragma('incremental_vacuum');
      }
      // The WAL holds the moved pages until a checkpoint; TRUNCATE also shrinks the WAL file.
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return { beforeBytes, afterBytes: this.size() };
    });
  }

  private size(): number {
    if (this.path === ':memory:') return 0;
    let total = 0;
    for (const file of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(file).size;
      } catch {
        // No WAL file at the moment: nothing to add.
      }
    }
    return total;
  }
}
