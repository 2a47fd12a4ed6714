import { PgDb, pgStoreError, redactUrl } from './postgres/pg-db.js';
import { PG_MIGRATIONS } from './postgres/pg-migrations.js';
import { openDatabase } from './sqlite/open-database.js';

export interface MigrationReport {
  /** Where the store is (a file, or the URL without its password). */
  location: string;
  applied: { version: number; name: string }[];
  /** The schema version the store is at now. */
  version: number;
}

/** `wave db migrate` on SQLite: opening the file applies what is pending. */
export function migrateSqlite(path: string): MigrationReport {
  let applied: { version: number; name: string }[] = [];
  const db = openDatabase(path, (list) => {
    applied = list.map((m) => ({ version: m.version, name: m.name }));
  });
  try {
    const version = db.prepare('SELECT MAX(version) FROM schema_migrations').pluck().get() as number;
    return { location: path, applied, version };
  } finally {
    db.close();
  }
}

/** `wave db migrate` on PostgreSQL: under the advisory lock servers starting take too. */
export async function migratePostgres(url: string): Promise<MigrationReport> {
  const db = new PgDb(url, { max: 1, applicationName: 'wave db migrate' });
  try {
    const versions = await db.migrate();
    const { rows } = await db.query<{ v: number }>('SELECT MAX(version) AS v FROM schema_migrations');
    const applied = PG_MIGRATIONS.filter((m) => versions.includes(m.version)).map((m) => ({
      version: m.version,
      name: m.name,
    }));
    return { location: redactUrl(url), applied, version: rows[0]?.v ?? 0 };
  } catch (err) {
    throw pgStoreError(url, err);
  } finally {
    await db.close();
  }
}
