import { z } from 'zod';
import { WaveError } from '../../errors.js';
import { copySqliteToPostgres } from '../../store/copy-to-postgres.js';
import { migratePostgres, migrateSqlite } from '../../store/migrate-store.js';
import { describeTarget, PgDb } from '../../store/postgres/pg-db.js';
import { EXIT } from '../exit.js';
import { type CliIO, err } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';

/** `wave db migrate`: applies the configured store's pending migrations and says which. */
export async function runDbMigrate(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ProjectFlags, raw);
  const project = openProject(io, opts);
  const storage = project.config.storage;
  const report =
    storage.driver === 'postgres'
      ? await migratePostgres(requireUrl(storage.url))
      : migrateSqlite(project.storagePath);
  if (report.applied.length === 0) {
    err(io, `${report.location}: up to date (schema version ${report.version})`);
  } else {
    for (const m of report.applied) err(io, `applied ${m.version}: ${m.name}`);
    err(io, `${report.location}: now at schema version ${report.version}`);
  }
  return EXIT.ok;
}

const DbCopyFlags = ProjectFlags.extend({
  to: z
    .string({ error: 'give the PostgreSQL store to fill: --to postgres://user:pass@host:5432/db' })
    .refine((s) => /^postgres(ql)?:\/\//.test(s), {
      message: 'expected a postgres:// (or postgresql://) URL',
    }),
});

/** How often a table being copied reports how far it got. */
const PROGRESS_EVERY_MS = 1000;

/**
 * `wave db copy --to URL`: the project's SQLite store into an empty PostgreSQL one (migrated
 * first), ids and seq kept. Progress on stderr, a table at a time.
 */
export async function runDbCopy(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(DbCopyFlags, raw);
  const project = openProject(io, opts);
  const storage = project.config.storage;
  if (storage.driver !== 'sqlite') {
    throw new WaveError(
      'invalid_usage',
      'wave db copy copies a SQLite store: this project is configured with storage.driver postgres (unset storage.url / WAVE_STORAGE_URL to copy its .wave/state.db)',
    );
  }
  const target = describeTarget(opts.to);
  err(io, `copying ${project.storagePath} into ${target}`);
  const pg = new PgDb(opts.to, { max: 1, applicationName: 'wave db copy' });
  let lastReport = 0;
  try {
    const report = await copySqliteToPostgres({
      sqlitePath: project.storagePath,
      pg,
      artifactInlineLimit: storage.artifact_inline_limit,
      progress: (table, done, total) => {
        const now = Date.now();
        if (done < total && now - lastReport < PROGRESS_EVERY_MS) return;
        lastReport = now;
        err(io, `  ${table}: ${done}/${total}`);
      },
    });
    const rows = (t: string) => report.tables.find((r) => r.table === t)?.rows ?? 0;
    err(
      io,
      `copied ${rows('runs')} runs, ${rows('events')} events (last seq ${report.lastSeq}), ${rows('schedules')} schedules, ${rows('artifacts')} artifacts (${report.inlinedArtifacts} stored in the database) into ${target}`,
    );
    return EXIT.ok;
  } finally {
    await pg.close();
  }
}

function requireUrl(url: string | null): string {
  if (url) return url;
  throw new WaveError(
    'invalid_config',
    'storage.driver is postgres but no storage.url is set (wave.yaml storage.url or WAVE_STORAGE_URL)',
  );
}
