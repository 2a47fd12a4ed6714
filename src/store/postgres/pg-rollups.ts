import type { Queryable } from './pg-db.js';

/**
 * Keeps the insight rollups (PG migration 5) equal to the finished runs stored, as
 * sqlite-rollups.ts does on SQLite: `c` is the transaction that finishes or deletes the run.
 * The statements are functions (pg-functions.ts): one round trip, planned once per connection.
 */
export const pgRollups = {
  /** A run that has just finished (its steps' usage written). */
  async add(c: Queryable, runId: string): Promise<void> {
    await c.query('SELECT wave_rollup_add($1)', [runId]);
  },
  /** A finished run about to be deleted. */
  async remove(c: Queryable, runId: string): Promise<void> {
    await c.query('SELECT wave_rollup_remove($1)', [runId]);
  },
};
