import type { Statement } from 'better-sqlite3';
import { rollupEmptiesRemoved, rollupWrites, SQLITE } from '../insight-rollup-sql.js';
import type { Db } from './open-database.js';

const ONE_RUN = 'r.id = @id';

/**
 * Keeps the insight rollups (migration 11) equal to the finished runs stored: a run goes in
 * once, in the transaction that finishes it, and out when retention deletes it. Callers are
 * inside a write transaction.
 */
export class SqliteRollups {
  private readonly adds: Statement[];
  private readonly removes: Statement[];

  constructor(db: Db) {
    this.adds = rollupWrites(SQLITE, ONE_RUN, '1').map((sql) => db.prepare(sql));
    this.removes = [...rollupWrites(SQLITE, ONE_RUN, '-1'), ...rollupEmptiesRemoved(ONE_RUN)].map((sql) =>
      db.prepare(sql),
    );
  }

  /** A run that has just finished (its steps' usage written). */
  add(runId: string): void {
    for (const s of this.adds) s.run({ id: runId });
  }

  /** A finished run about to be deleted. */
  remove(runId: string): void {
    for (const s of this.removes) s.run({ id: runId });
  }
}
