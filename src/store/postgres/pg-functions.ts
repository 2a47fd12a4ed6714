import { POSTGRES, rollupEmptiesRemoved, rollupWrites } from '../insight-rollup-sql.js';

/**
 * PL/pgSQL functions for the statements every run passes through. A function's statements are
 * planned once per connection and then reused, where a script of literals is parsed and planned
 * again each time it is sent: planning was most of what PostgreSQL spent on a one-step run.
 * Installed by a migration (PG 7); test/store/postgres/pg-functions.test.ts fails when the code
 * here and a migrated database differ, so a change here needs a migration that replaces them.
 */

const ONE_RUN = 'r.id = $1';
/** A run's terminal events (events_run_end indexes them). */
const RUN_END = `type IN ('run_completed', 'run_failed', 'run_cancelled')`;

/**
 * The body of `wave_rollup_add(run_id)`: a finished run counted into the insight rollups, unless
 * it had ended before (a terminal event stored already: this transaction's come after it), as
 * when two servers end one run at once: the second waits for the first's row lock on the run,
 * then finds its event. The index events_run_end makes that look one probe.
 */
export const ROLLUP_ADD_BODY = body(
  rollupWrites(POSTGRES, ONE_RUN, '1'),
  `IF EXISTS (SELECT 1 FROM events WHERE run_id = $1 AND ${RUN_END}) THEN
    RETURN;
  END IF;`,
);

/** The body of `wave_rollup_remove(run_id)`: a finished run about to be deleted taken out. */
export const ROLLUP_REMOVE_BODY = body([
  ...rollupWrites(POSTGRES, ONE_RUN, '-1'),
  ...rollupEmptiesRemoved(ONE_RUN),
]);

/**
 * The body of `wave_seal(lock, origin, channel, run_ids, types, steps, jsons, finished)`: takes
 * the seq lock, rolls up the runs the transaction finished, numbers and inserts the events after
 * the highest seq, announces the last one and answers the seq before the first. The lock is its
 * own statement so that the next ones' snapshots (in a VOLATILE function each statement takes
 * one) see every commit made before the grant. The rollups come after the lock: their rows are
 * shared by every run of a pipeline, and their row locks, held until COMMIT, are then held for
 * this one round trip instead of while waiting for the seq lock (which queued every finishing run
 * of the pipeline behind them). Nothing that holds those rows waits for the seq lock. Each JSON
 * starts `{"seq":0,` (9 characters) and gets the seq its row gets.
 */
export const SEAL_BODY = `
DECLARE
  base BIGINT;
BEGIN
  PERFORM pg_advisory_xact_lock(p_lock);
  PERFORM wave_rollup_add(f) FROM unnest(p_finished) AS f;
  SELECT COALESCE(MAX(seq), 0) INTO base FROM events;
  INSERT INTO events (seq, run_id, type, step, origin, json)
  SELECT base + t.n, t.run_id, t.type, t.step, p_origin, '{"seq":' || (base + t.n) || substr(t.json, 9)
  FROM unnest(p_run_ids, p_types, p_steps, p_jsons) WITH ORDINALITY AS t (run_id, type, step, json, n);
  PERFORM pg_notify(p_channel, (base + cardinality(p_run_ids))::text);
  RETURN base;
END
`;

function body(statements: readonly string[], first = ''): string {
  return `\nBEGIN\n${first ? `  ${first}\n` : ''}${statements.map((s) => `  ${s};\n`).join('')}END\n`;
}

/** The migration that installs (or replaces) the functions. */
export function functionsSql(): string {
  return `
    CREATE INDEX IF NOT EXISTS events_run_end ON events (run_id) WHERE ${RUN_END};
    CREATE OR REPLACE FUNCTION wave_rollup_add(TEXT) RETURNS void LANGUAGE plpgsql AS $wave$${ROLLUP_ADD_BODY}$wave$;
    CREATE OR REPLACE FUNCTION wave_rollup_remove(TEXT) RETURNS void LANGUAGE plpgsql AS $wave$${ROLLUP_REMOVE_BODY}$wave$;
    CREATE OR REPLACE FUNCTION wave_seal(p_lock BIGINT, p_origin TEXT, p_channel TEXT, p_run_ids TEXT[],
      p_types TEXT[], p_steps TEXT[], p_jsons TEXT[], p_finished TEXT[]) RETURNS BIGINT LANGUAGE plpgsql AS $wave$${SEAL_BODY}$wave$;
  `;
}
