import { z } from 'zod';
import { copyProjectStore, describeTarget, migrateProjectStore } from '../../service/db-admin.js';
import { EXIT } from '../exit.js';
import { type CliIO, err } from '../io.js';
import { openProject, ProjectFlags, parseFlags } from '../options.js';

/** `wave db migrate`: applies the configured store's pending migrations and says which. */
export async function runDbMigrate(io: CliIO, raw: unknown): Promise<number> {
  const opts = parseFlags(ProjectFlags, raw);
  const report = await migrateProjectStore(openProject(io, opts));
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
  let lastReport = 0;
  let announced = false;
  const report = await copyProjectStore(project, opts.to, (table, done, total) => {
    if (!announced) {
      announced = true;
      err(io, `copying ${project.storagePath} into ${describeTarget(opts.to)}`);
    }
    const now = Date.now();
    if (done < total && now - lastReport < PROGRESS_EVERY_MS) return;
    lastReport = now;
    err(io, `  ${table}: ${done}/${total}`);
  });
  const rows = (t: string) => report.tables.find((r) => r.table === t)?.rows ?? 0;
  err(
    io,
    `copied ${rows('runs')} runs, ${rows('events')} events (last seq ${report.lastSeq}), ${rows('schedules')} schedules, ${rows('artifacts')} artifacts (${report.inlinedArtifacts} stored in the database) into ${report.to}`,
  );
  return EXIT.ok;
}
