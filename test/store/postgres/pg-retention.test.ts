import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PgRetention } from '../../../src/store/postgres/pg-retention.js';
import { eventually } from '../../helpers/eventually.js';
import { migratedPg, seedEvents, seedRun } from '../../helpers/pg-seed.js';
import { tempDir } from '../../helpers/tmp.js';

const pg = await migratedPg();
afterAll(() => pg.close());

const server = () => new PgRetention(pg.open(), pg.url, () => new Date());
const FUTURE = '9999-01-01T00:00:00.000Z';
const all = (iso: string) => ({ completed: iso, failed: iso, cancelled: iso });

describe('PgRetention', () => {
  const db = pg.open();
  beforeEach(async () => {
    await db.query('TRUNCATE runs, events, remembered_keys, notification_deliveries CASCADE');
  });

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${sql}`, params)).rows[0]!.n);

  it('finds finished top-level runs past their cutoff, oldest first, with their children; never an active tree', async () => {
    await seedRun(db, { id: 'late', status: 'completed', finishedAt: '2026-01-05T00:00:00.000Z' });
    await seedRun(db, { id: 'early', status: 'cancelled', finishedAt: '2026-01-01T00:00:00.000Z' });
    await seedRun(db, { id: 'kid', status: 'completed', parent: 'early' });
    await seedRun(db, { id: 'grandkid', status: 'failed', parent: 'kid' });
    await seedRun(db, { id: 'failed', status: 'failed', finishedAt: '2026-01-02T00:00:00.000Z' });
    await seedRun(db, { id: 'queued', status: 'queued' });
    await seedRun(db, { id: 'busy-parent', status: 'completed', finishedAt: '2026-01-01T00:00:00.000Z' });
    await seedRun(db, { id: 'busy-kid', status: 'running', parent: 'busy-parent' });
    const found = await server().findPrunableRuns(
      { completed: FUTURE, failed: null, cancelled: FUTURE },
      100,
    );
    expect(found.map((r) => [r.id, r.status, r.runIds])).toEqual([
      ['early', 'cancelled', ['early', 'kid', 'grandkid']],
      ['late', 'completed', ['late']],
    ]);
    expect(found[0]).toMatchObject({ pipeline: 'ship', finishedAt: '2026-01-01T00:00:00.000Z' });
    expect((await server().findPrunableRuns(all(FUTURE), 1)).map((r) => r.id)).toEqual(['early']);
  });

  it('deletes runs with everything of theirs, keeps pending deliveries, the newest event and active runs', async () => {
    await seedRun(db, { id: 'old' });
    await seedRun(db, { id: 'kid', parent: 'old' });
    await seedRun(db, { id: 'queued', status: 'queued' });
    await seedRun(db, { id: 'other' });
    await seedEvents(db, 'old', 'run_started', 2);
    await seedEvents(db, 'kid', 'stream_activity', 3);
    await seedEvents(db, 'queued', 'run_queued', 1);
    await db.query(
      `INSERT INTO steps (run_id, id, idx, kind) VALUES ('old', 'build', 0, 'prompt'), ('other', 'build', 0, 'prompt')`,
    );
    await db.query(
      `INSERT INTO remembered_keys (scope, key, run_id, expires_at) VALUES ('api', 'k1', 'old', 0), ('api', 'k2', 'other', 0)`,
    );
    for (const [id, status] of [
      ['d-sent', 'delivered'],
      ['d-pending', 'pending'],
    ] as const)
      await db.query(
        `INSERT INTO notification_deliveries (id, notification, event_seq, event_type, run_id, url, body, status, next_attempt_at, created_at)
         VALUES ($1, $1, 1, 'run_completed', 'old', 'http://x/', '{}', $2, 0, '')`,
        [id, status],
      );
    // The newest event in the database belongs to a run being deleted: it stays.
    const [newest] = await seedEvents(db, 'old', 'run_completed', 1);

    expect(await server().deleteRuns(['old', 'kid', 'queued'])).toEqual(['old', 'kid']);
    expect(await count(`runs WHERE id IN ('old', 'kid')`)).toBe(0);
    expect(await count('steps')).toBe(1);
    expect(await count('remembered_keys')).toBe(1);
    expect((await db.query('SELECT id FROM notification_deliveries')).rows.map((r) => r.id)).toEqual([
      'd-pending',
    ]);
    expect((await db.query(`SELECT seq FROM events WHERE run_id IN ('old', 'kid')`)).rows).toEqual([
      { seq: newest },
    ]);
    expect(await count(`runs WHERE id IN ('queued', 'other')`)).toBe(2);
    expect(await count(`events WHERE run_id = 'queued'`)).toBe(1);
  });

  it('output lines go in chunks of their own; only finished runs’ lines, only lines', async () => {
    await seedRun(db, { id: 'old', finishedAt: '2026-01-01T00:00:00.000Z' });
    await seedRun(db, { id: 'active', status: 'running' });
    await seedRun(db, { id: 'recent', finishedAt: '2026-03-01T00:00:00.000Z' });
    await seedEvents(db, 'old', 'run_started', 1);
    await seedEvents(db, 'old', 'stream_activity', 12_345); // more than two chunks
    await seedEvents(db, 'old', 'run_completed', 1);
    await seedEvents(db, 'active', 'stream_activity', 2);
    await seedEvents(db, 'recent', 'stream_activity', 2);
    await seedEvents(db, 'recent', 'run_completed', 1);
    const cutoff = '2026-02-01T00:00:00.000Z';
    expect(await server().findLogsToPrune(cutoff, 100)).toEqual([{ id: 'old', lines: 12_345 }]);
    expect(await server().deleteLogs(['old', 'active'])).toBe(12_345);
    expect(
      (await db.query(`SELECT type FROM events WHERE run_id = 'old' ORDER BY seq`)).rows.map((r) => r.type),
    ).toEqual(['run_started', 'run_completed']);
    expect(await count(`events WHERE run_id IN ('active', 'recent')`)).toBe(5);
    expect(await server().findLogsToPrune(cutoff, 100)).toEqual([]);
  });

  it('a run another server is deleting (its row locked) is skipped without waiting, and taken next time', async () => {
    await seedRun(db, { id: 'a' });
    await seedRun(db, { id: 'b' });
    const holder = await pg.open().pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM runs WHERE id = 'a' FOR UPDATE`);
      expect(await server().deleteRuns(['a', 'b'])).toEqual(['b']);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(await server().deleteRuns(['a'])).toEqual(['a']);
  });

  it('two servers pruning at once delete each run once between them', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(2, '0')}`);
    for (const id of ids) {
      await seedRun(db, { id });
      await seedEvents(db, id, 'stream_activity', 20);
    }
    await seedRun(db, { id: 'keeper', status: 'queued' });
    await seedEvents(db, 'keeper', 'run_queued', 1);
    const [x, y] = await Promise.all([server().deleteRuns(ids), server().deleteRuns(ids)]);
    expect([...x!, ...y!].sort()).toEqual(ids);
    expect(await count('runs')).toBe(1);
  });

  it('with a shared artifact folder, a deleted run’s copies there go with it; others stay', async () => {
    const shared = tempDir('wave-shared-artifacts-');
    const file = (run: string) => join(shared, run, 'build', 'report.bin');
    for (const run of ['gone', 'queued', 'kept']) {
      mkdirSync(dirname(file(run)), { recursive: true });
      writeFileSync(file(run), 'x');
    }
    await seedRun(db, { id: 'gone' });
    await seedRun(db, { id: 'queued', status: 'queued' });
    await seedRun(db, { id: 'kept' });
    const retention = new PgRetention(pg.open(), pg.url, () => new Date(), shared);
    expect(await retention.deleteRuns(['gone', 'queued'])).toEqual(['gone']);
    expect(existsSync(join(shared, 'gone'))).toBe(false);
    expect(existsSync(file('queued'))).toBe(true);
    expect(existsSync(file('kept'))).toBe(true);
  });

  it('reclaiming space vacuums the pruned tables and reports the database size around it', async () => {
    await seedRun(db, { id: 'big' });
    await seedEvents(db, 'big', 'stream_activity', 2000);
    await server().deleteRuns(['big']);
    const { rows: before } = await db.query<{ n: number }>(
      `SELECT COALESCE(vacuum_count, 0) AS n FROM pg_stat_user_tables WHERE relname = 'events'`,
    );
    const space = await server().reclaimSpace();
    expect(space.beforeBytes).toBeGreaterThan(0);
    expect(space.afterBytes).toBeGreaterThan(0);
    expect(space.afterBytes).toBeLessThanOrEqual(space.beforeBytes + 1024 * 1024);
    // Statistics reach pg_stat_user_tables asynchronously: wait for the vacuum to be counted.
    await eventually(
      async () => {
        await db.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await db.query<{ n: number }>(
          `SELECT vacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'events'`,
        );
        return Number(rows[0]!.n) > Number(before[0]!.n);
      },
      20_000,
      'the events table to be vacuumed',
    );
  });
});
