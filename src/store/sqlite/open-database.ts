import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { WaveError } from '../../errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite file with the settings two processes need to share it:
 * WAL, a busy timeout, foreign keys; then applies pending migrations in one transaction.
 * Failures become `store_unavailable` errors that say what is wrong with the file.
 */
export function openDatabase(
  path: string,
  /** Told which migrations this open applied (`wave db migrate` prints them). */
  migrated?: (applied: readonly { version: number; name: string }[]) => void,
): Db {
  let db: Db | undefined;
  try {
    if (path !== ':memory:') ensureFolder(dirname(path));
    const existed = path === ':memory:' || existsSync(path);
    db = new Database(path, { timeout: 10_000 });
    // Pages freed by pruning go back to the file system (PRAGMA incremental_vacuum). Settable
    // only before the first table; older files are switched by the first prune (a VACUUM).
    if (!existed) db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 10000');
    const applied = migrate(db);
    if (existed) checkIntact(db);
    migrated?.(applied);
    // A read-only file still opens (SQLite falls back to reading it) and would fail only at the
    // first write: rewrite the header's user_version with its own value to fail here instead.
    db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`);
    return db;
  } catch (err) {
    db?.close();
    throw storeError(path, err);
  }
}

/**
 * Creates the store's folder one level at a time: Node's recursive mkdir can spin forever on
 * pseudo file systems such as /proc, and a failure here should name the folder.
 */
function ensureFolder(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') continue;
      throw Object.assign(new Error(`cannot create the folder ${d} (${e.code ?? e.message})`), {
        code: 'SQLITE_CANTOPEN',
      });
    }
  }
}

/** quick_check reports damage as a row rather than an error: make it one. */
function checkIntact(db: Db): void {
  const result = db.pragma('quick_check(1)', { simple: true });
  if (result !== 'ok') {
    throw Object.assign(new Error(`database disk image is malformed (${String(result)})`), {
      code: 'SQLITE_CORRUPT',
    });
  }
}

function migrate(db: Db): readonly { version: number; name: string }[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const pending = () => {
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    return MIGRATIONS.filter((m) => !applied.has(m.version));
  };
  if (pending().length === 0) return [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  return db
    .transaction(() => {
      // Read again under the write lock: two processes opening a new file at once must not both
      // apply the same migrations (the second would find its tables already there).
      const due = pending();
      for (const m of due) {
        db.exec(m.sql);
        record.run(m.version, m.name, new Date().toISOString());
      }
      return due;
    })
    .immediate();
}

/** Translates SQLite's errors into one a user can act on. */
export function storeError(path: string, err: unknown): WaveError {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  let message: string;
  if (
    code === 'SQLITE_NOTADB' ||
    code === 'SQLITE_CORRUPT' ||
    /not a database|malformed/i.test(e.message ?? '')
  ) {
    message = `the store ${path} is not a valid SQLite database (corrupt or another kind of file): move it aside to start a new one`;
  } else if (
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_CANTOPEN' ||
    /readonly|read-only|unable to open/i.test(e.message ?? '')
  ) {
    message = `the store ${path} cannot be opened for writing (${e.message ?? code}): check the file's and its folder's permissions`;
  } else if (code === 'SQLITE_BUSY') {
    message = `the store ${path} stayed locked by another process for too long: try again`;
  } else if (code === 'SQLITE_FULL') {
    message = `the disk holding the store ${path} is full`;
  } else {
    message = `the store ${path} could not be used: ${e.message ?? String(err)}`;
  }
  return new WaveError('store_unavailable', message, { path, sqlite: code || null }, { cause: err });
}
