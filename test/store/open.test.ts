import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { WaveError } from '../../src/errors.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openDatabase } from '../../src/store/sqlite/open-database.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { newRun, openStore } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

const DIST_STORE = new URL('../../dist/store/sqlite/sqlite-store.js', import.meta.url).href;

/** Folders made read-only by a test get their mode back, so the temp dir can be removed. */
const restore: (() => void)[] = [];
afterEach(() => {
  for (const fn of restore.splice(0)) fn();
});

function openError(path: string): WaveError {
  try {
    new SqliteStore({ path, origin: 'x' }).close();
  } catch (err) {
    expect(err).toBeInstanceOf(WaveError);
    return err as WaveError;
  }
  throw new Error(`opening ${path} did not fail`);
}

/** A store file written and closed (its WAL checkpointed into the file, and removed). */
async function closedStoreFile(): Promise<string> {
  const path = join(tempDir(), 'state.db');
  const store = new SqliteStore({ path, origin: 'x' });
  await store.createRun(newRun());
  await store.close();
  expect(existsSync(`${path}-wal`)).toBe(false);
  return path;
}

describe('SqliteStore: opening', () => {
  it('turns on WAL, foreign keys and a busy timeout', () => {
    const db = openDatabase(join(tempDir(), 'state.db'));
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(10_000);
      expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL: safe under WAL
    } finally {
      db.close();
    }
  });

  it('creates missing folders and leaves the file in WAL mode for every other connection', async () => {
    const path = join(tempDir(), 'deep', 'er', 'state.db');
    const store = openStore({ path });
    await store.createRun(newRun());
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      raw.close();
    }
  });

  it('applies the migrations once, recorded in schema_migrations', async () => {
    const path = join(tempDir(), 'state.db');
    const first = new SqliteStore({ path, origin: 'a' });
    const { run } = await first.createRun(newRun());
    await first.close();
    const read = () => {
      const raw = new Database(path, { readonly: true });
      try {
        return raw.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all();
      } finally {
        raw.close();
      }
    };
    const applied = read();
    expect(applied.map((r) => (r as { version: number }).version)).toEqual(MIGRATIONS.map((m) => m.version));

    // Twice more, one of them while another connection is open: nothing re-applied, data kept.
    const second = openStore({ path });
    const third = openStore({ path });
    expect(read()).toEqual(applied);
    expect((await second.getRun(run.id))?.id).toBe(run.id);
    expect((await third.listRuns({ limit: 10 })).runs).toHaveLength(1);
  });

  it.each([
    ['random bytes', () => randomBytes(8192)],
    ['a text file', () => 'these are my notes, not a database\n'.repeat(50)],
  ])('refuses %s with store_unavailable, saying the file is not a database', (_what, content) => {
    const path = join(tempDir(), 'state.db');
    writeFileSync(path, content());
    const err = openError(path);
    expect(err.code).toBe('store_unavailable');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not a valid SQLite database.*move it aside/);
    // The file is left alone for its owner to inspect.
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });

  it('refuses a database whose header is fine but whose pages are damaged', async () => {
    const path = await closedStoreFile();
    const file = readFileSync(path);
    writeFileSync(path, Buffer.concat([file.subarray(0, 4096), randomBytes(file.length - 4096)]));
    expect(openError(path).message).toMatch(/not a valid SQLite database/);
  });

  it('refuses a database that only quick_check finds damaged (a page nothing uses)', async () => {
    const path = await closedStoreFile();
    const file = readFileSync(path);
    const pageSize = file.readUInt16BE(16);
    const grown = Buffer.concat([file, Buffer.alloc(pageSize)]);
    grown.writeUInt32BE(file.readUInt32BE(28) + 1, 28); // the header's page count
    writeFileSync(path, grown);
    const err = openError(path);
    expect(err.code).toBe('store_unavailable');
    expect(err.message).toMatch(/not a valid SQLite database/);
  });

  describe('without write permission', () => {
    // chmod does not stop root: as root, the check runs in a child process as `nobody`.
    const root = process.getuid?.() === 0;
    const as = root ? { uid: 65534, gid: 65534 } : {};

    /** Opens the store in a child process (as `nobody` when we are root) and reports how it went. */
    function openElsewhere(path: string): Promise<{ opened?: boolean; code?: string; message?: string }> {
      const script = join(tempDir(), 'open.mjs');
      chmodSync(join(script, '..'), 0o755);
      writeFileSync(
        script,
        `import { SqliteStore } from ${JSON.stringify(DIST_STORE)};
         try {
           const store = new SqliteStore({ path: process.argv[2], origin: 'ro' });
           await store.createRun(${JSON.stringify(newRun())});
           await store.close();
           console.log(JSON.stringify({ opened: true }));
         } catch (err) {
           console.log(JSON.stringify({ code: err.code, message: err.message }));
         }`,
      );
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, path], { ...as, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let errOut = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.stderr.on('data', (d: Buffer) => {
          errOut += d.toString();
        });
        child.on('error', reject);
        child.on('close', (code) => {
          if (code !== 0) reject(new Error(`open.mjs exited ${code}: ${errOut}`));
          else resolve(JSON.parse(out) as { opened?: boolean; code?: string; message?: string });
        });
      });
    }

    /** Whether the child can run with fewer rights than ours (not possible in every container). */
    async function canCheck(): Promise<string | null> {
      if (!root) return null;
      try {
        const dir = tempDir();
        chmodSync(dir, 0o777);
        const r = await openElsewhere(join(dir, 'probe.db'));
        return r.opened ? null : `a child process as nobody could not open a store at all: ${r.message}`;
      } catch (err) {
        return `running as root and cannot start a child process as nobody (${(err as Error).message}), so chmod cannot take write permission away`;
      }
    }

    function chmodFor(path: string, mode: number): void {
      chmodSync(path, mode);
      restore.push(() => chmodSync(path, 0o755));
    }

    it('refuses a read-only file at open, not at the first write', async (ctx) => {
      const why = await canCheck();
      ctx.skip(why !== null, why ?? '');
      const path = await closedStoreFile();
      chmodSync(path, 0o444);
      // The folder stays writable (for us, or for nobody), so only the file is in the way.
      chmodFor(join(path, '..'), root ? 0o777 : 0o755);
      const r = await openElsewhere(path);
      expect(r.code).toBe('store_unavailable');
      expect(r.message).toContain(path);
      expect(r.message).toMatch(/cannot be opened for writing.*permissions/);
    });

    it('refuses a read-only folder, with or without a file in it', async (ctx) => {
      const why = await canCheck();
      ctx.skip(why !== null, why ?? '');
      const path = await closedStoreFile();
      chmodSync(path, 0o666);
      const dir = join(path, '..');
      chmodFor(dir, 0o555);
      for (const p of [path, join(dir, 'new.db')]) {
        const r = await openElsewhere(p);
        expect(r.code, p).toBe('store_unavailable');
        expect(r.message).toMatch(/cannot be opened for writing.*permissions/);
      }
    });
  });
});
