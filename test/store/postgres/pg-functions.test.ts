import { describe, expect, it } from 'vitest';
import { PgDb } from '../../../src/store/postgres/pg-db.js';
import { ROLLUP_ADD_BODY, ROLLUP_REMOVE_BODY, SEAL_BODY } from '../../../src/store/postgres/pg-functions.js';
import { pgDatabase } from '../../helpers/pg.js';

describe('PostgreSQL: statements planned once per connection', () => {
  it('the functions a migrated database has are the ones the code would install', async () => {
    // A change to the rollup SQL or to wave_seal needs a migration replacing the functions:
    // without one, databases migrated before would keep running the old statements.
    const db = new PgDb(await pgDatabase());
    try {
      await db.migrate();
      const { rows } = await db.query<{ proname: string; prosrc: string }>(
        "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'wave\\_%' ORDER BY proname",
      );
      expect(Object.fromEntries(rows.map((r) => [r.proname, r.prosrc]))).toEqual({
        wave_rollup_add: ROLLUP_ADD_BODY,
        wave_rollup_remove: ROLLUP_REMOVE_BODY,
        wave_seal: SEAL_BODY,
      });
    } finally {
      await db.close();
    }
  });

  it('a statement with parameters is prepared once on a connection and reused', async () => {
    const db = new PgDb(await pgDatabase(), { max: 1 });
    try {
      await db.migrate();
      const sql = 'SELECT COUNT(*) AS n FROM runs WHERE status = $1';
      for (const status of ['queued', 'running', 'queued']) {
        const { rows } = await db.query<{ n: number }>(sql, [status]);
        expect(rows[0]!.n).toBe(0);
      }
      // In a transaction's scripts (its first statement, deferred ones) the same statement runs
      // through SQL's EXECUTE of the one prepared form, prepared there on a connection that
      // has none yet, and node-postgres then knows it: no second PREPARE, no second parse.
      const other = 'SELECT COUNT(*) AS n FROM steps WHERE status = $1';
      for (let i = 0; i < 3; i++) {
        await db.tx(async (c) => {
          const { rows } = await c.query<{ n: number }>(other, ['running']);
          expect(rows[0]!.n).toBe(0);
          c.defer?.(other, ['pending']);
        });
        expect((await db.query<{ n: number }>(other, ['done'])).rows[0]!.n).toBe(0);
      }
      await db.tx((c) => c.query(sql, ['waiting']));
      // Without parameters the text goes as it is (it may be a script): never prepared.
      const { rows } = await db.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      const statements = rows.map((r) => r.statement);
      expect(statements.filter((s) => s === sql)).toHaveLength(1);
      // (A statement PREPAREd by SQL shows the script that prepared it.)
      expect(statements.filter((s) => s.includes(other))).toHaveLength(1);
      expect(statements.some((s) => s.includes('pg_prepared_statements'))).toBe(false);
    } finally {
      await db.close();
    }
  });
});
