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
    for (const sql of ADDS) await c.query(sql, [runId]);
  },
  /** A finished run about to be deleted. */
  async remove(c: Queryable, runId: string): Promise<void> {
    for (const sql of REMOVES) await c.query(sql, [runId]);
  },
};
