import pg from 'pg';
import { POSTGRES, rollupEmptiesRemoved, rollupWrites } from '../insight-rollup-sql.js';
import type { Queryable } from './pg-db.js';

const ONE_RUN = 'r.id = $1';
const ADDS = rollupWrites(POSTGRES, ONE_RUN, '1');
const REMOVES = [...rollupWrites(POSTGRES, ONE_RUN, '-1'), ...rollupEmptiesRemoved(ONE_RUN)];

/**
 * Keeps the insight rollups (PG migration 5) equal to the finished runs stored, as
 * sqlite-rollups.ts does on SQLite: `c` is the transaction that finishes or deletes the run.
 */
export const pgRollups = {
  /** A run that has just finished (its steps' usage written). */
  async add(c: Queryable, runId: string): Promise<void> {
    await c.query(script(ADDS, runId));
  },
  /** A finished run about to be deleted. */
  async remove(c: Queryable, runId: string): Promise<void> {
    await c.query(script(REMOVES, runId));
  },
};

/**
 * The statements as one script, the run id a literal: one round trip instead of one each. They
 * stay separate statements (not one WITH) because several upsert the same rollup row, and
 * their row locks are held until COMMIT, so every run finishing on the same pipeline waits
 * for them: the fewer round trips before COMMIT, the shorter that wait.
 */
function script(statements: readonly string[], runId: string): string {
  const id = pg.escapeLiteral(runId);
  return statements.map((sql) => sql.replace(/\$1(?!\d)/g, id)).join(';\n');
}
