import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openStore } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

describe('SqliteStore: upgrading an older database', () => {
  it('an older database is upgraded: its gates left waiting by ended runs become cancelled', async () => {
    const path = join(tempDir(), 'state.db');
    // The schema as version 1 left it, with a finished run whose gate still says waiting.
    const raw = new Database(path);
    raw.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    raw.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
    raw.prepare('INSERT INTO schema_migrations VALUES (1, ?, ?)').run('v1', new Date().toISOString());
    const insertRun = raw.prepare(
      `INSERT INTO runs (id, pipeline, status, trigger_source, created_at, mode, spec) VALUES (?, 'ship', ?, 'api', '2026-01-01T00:00:00.000Z', 'server', '{}')`,
    );
    const insertGate = raw.prepare(
      `INSERT INTO gates (run_id, step, status, prompt, choices, freeform) VALUES (?, 'review', 'waiting', 'ok?', '[]', 0)`,
    );
    for (const [id, status] of [
      ['ended', 'cancelled'],
      ['live', 'waiting'],
    ]) {
      insertRun.run(id, status);
      insertGate.run(id);
    }
    raw
      .prepare(
        `INSERT INTO remembered_keys (scope, key, run_id, expires_at) VALUES ('webhook:github', 'd1', NULL, ?)`,
      )
      .run(Date.now() + 60_000);
    raw.close();

    const store = openStore({ path });
    expect((await store.listGates('ended'))[0]?.status).toBe('cancelled');
    expect((await store.listGates('live'))[0]?.status).toBe('waiting');
    // Remembered keys survive the new column.
    expect(await store.rememberKey('webhook:github', 'd1', 60_000)).toBe(false);
  });
});
