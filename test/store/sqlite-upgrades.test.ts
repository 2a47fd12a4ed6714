import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { markGoneLocalInstances } from '../../src/scheduler/owner-liveness.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { exitedPid, openStore } from '../helpers/store.js';
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

describe('SqliteStore: upgrading to instances (migration 4)', () => {
  it('gives the owners of active runs a row, so a run a killed process left is recoverable at once', async () => {
    const path = join(tempDir(), 'state.db');
    const raw = new Database(path);
    raw.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    for (const m of MIGRATIONS.filter((m) => m.version <= 3)) {
      raw.exec(m.sql);
      raw
        .prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)')
        .run(m.version, m.name, new Date().toISOString());
    }
    const gone = `${hostname()}:${await exitedPid()}:abcd1234`;
    const insertRun = raw.prepare(
      `INSERT INTO runs (id, pipeline, status, trigger_source, created_at, mode, spec, owner, lease_expires_at)
       VALUES (?, 'ship', ?, 'cli', '2026-01-01T00:00:00.000Z', 'local', '{}', ?, ?)`,
    );
    insertRun.run('left-behind', 'running', gone, Date.now() + 60_000);
    insertRun.run('finished', 'completed', 'elsewhere:7:ffff0000', null);
    raw.close();

    const store = openStore({ path });
    expect(await store.listInstances()).toEqual([
      {
        id: gone,
        host: hostname(),
        pid: Number(gone.split(':')[1]),
        role: 'all',
        heartbeatAt: 0,
        dead: false,
        running: 1,
      },
    ]);
    expect(await store.claimRun('left-behind', 'me', 1000)).toBeNull();
    await markGoneLocalInstances(store);
    expect(await store.claimRun('left-behind', 'me', 1000)).toMatchObject({ owner: 'me' });
  });
});
