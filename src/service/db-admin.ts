import { existsSync } from 'node:fs';
import type { Project } from '../config/load-project.js';
import { WaveError } from '../errors.js';
import { type CopyReport, copySqliteToPostgres } from '../store/copy-to-postgres.js';
import { type MigrationReport, migratePostgres, migrateSqlite } from '../store/migrate-store.js';
import { describeTarget, PgDb } from '../store/postgres/pg-db.js';

/** `wave db migrate`: the configured store's pending migrations, applied. */
export async function migrateProjectStore(project: Project): Promise<MigrationReport> {
  const storage = project.config.storage;
  if (storage.driver !== 'postgres') return migrateSqlite(project.storagePath);
  if (!storage.url) {
    throw new WaveError(
      'invalid_config',
      'storage.driver is postgres but no storage.url is set (wave.yaml storage.url or WAVE_STORAGE_URL)',
    );
  }
  return await migratePostgres(storage.url);
}

/** `wave db copy --to URL`: the project's SQLite store into an empty PostgreSQL one. */
export async function copyProjectStore(
  project: Project,
  url: string,
  progress: (table: string, done: number, total: number) => void,
): Promise<CopyReport & { from: string; to: string }> {
  const storage = project.config.storage;
  if (storage.driver !== 'sqlite') {
    throw new WaveError(
      'invalid_usage',
      'wave db copy copies a SQLite store: this project is configured with storage.driver postgres (unset storage.url / WAVE_STORAGE_URL to copy its .wave/state.db)',
    );
  }
  if (!existsSync(project.storagePath)) {
    throw new WaveError(
      'invalid_usage',
      `no SQLite store at ${project.storagePath}: nothing to copy (run wave db copy in the project whose runs you want to move)`,
    );
  }
  const pg = new PgDb(url, { max: 1, applicationName: 'wave db copy' });
  try {
    const report = await copySqliteToPostgres({
      sqlitePath: project.storagePath,
      pg,
      artifactInlineLimit: storage.artifact_inline_limit,
      progress,
    });
    return { ...report, from: project.storagePath, to: describeTarget(url) };
  } finally {
    await pg.close();
  }
}

/** host:port/database of a URL, never its password. */
export { describeTarget };
