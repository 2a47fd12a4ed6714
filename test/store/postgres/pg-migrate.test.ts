import { describe, expect, it } from 'vitest';
import { PgDb, pgStoreError } from '../../../src/store/postgres/pg-db.js';
import { PG_MIGRATIONS } from '../../../src/store/postgres/pg-migrations.js';
import { pgDatabase } from '../../helpers/pg.js';

describe('PostgreSQL migrations', () => {
  it('two servers starting at once migrate once', async () => {
    const url = await pgDatabase();
    const dbs = [new PgDb(url), new PgDb(url), new PgDb(url)];
    try {
      const applied = await Promise.all(dbs.map((db) => db.migrate()));
      // Exactly one of them applied everything; the others found nothing left to do.
      expect(applied.filter((a) => a.length > 0)).toEqual([PG_MIGRATIONS.map((m) => m.version)]);
      const { rows } = await dbs[0]!.query<{ version: number }>(
        'SELECT version FROM schema_migrations ORDER BY version',
      );
      expect(rows.map((r) => r.version)).toEqual(PG_MIGRATIONS.map((m) => m.version));
      expect(await dbs[1]!.migrate()).toEqual([]);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
    }
  });

  it('a wrong password is a clear message that does not show it', async () => {
    const url = new URL(await pgDatabase());
    url.password = 'not-the-password-42';
    const db = new PgDb(url.toString());
    try {
      const err = await db.migrate().then(
        () => null,
        (e: unknown) => pgStoreError(url.toString(), e),
      );
      expect(err?.code).toBe('store_unavailable');
      expect(err?.message).toMatch(/refused the credentials/);
      expect(err?.message).not.toContain('not-the-password-42');
    } finally {
      await db.close();
    }
  });
});
