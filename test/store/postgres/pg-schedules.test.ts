import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PgDb } from '../../../src/store/postgres/pg-db.js';
import { PgScheduleStore } from '../../../src/store/postgres/pg-schedules.js';
import type { NewSchedule } from '../../../src/store/store.js';
import { migratedPg, seedRun } from '../../helpers/pg-seed.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');
const pg = await migratedPg();
afterAll(() => pg.close());

/** A server of its own: its own pool on the shared database. */
const server = () => new PgScheduleStore(pg.open(), pg.url, () => new Date());

function schedule(overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id: 'sch_1',
    name: 'nightly',
    pipeline: 'ship',
    input: null,
    labels: {},
    cron: '0 3 * * *',
    rrule: null,
    timezone: 'UTC',
    overlap: 'skip',
    catchUp: 'skip',
    source: 'api',
    createdAt: T0,
    ...overrides,
  };
}

describe('PgScheduleStore', () => {
  const db = pg.open();
  beforeEach(async () => {
    await db.query('TRUNCATE schedules, schedule_slots, runs CASCADE');
  });

  it('creates, reads, updates and deletes; names are unique', async () => {
    const store = server();
    const created = await store.create(schedule({ labels: { team: 'a' } }), T0);
    expect(created).toMatchObject({ id: 'sch_1', name: 'nightly', paused: false, consideredUntil: T0 });
    expect(await store.create(schedule({ id: 'sch_2' }), T0)).toBeNull();
    expect(await store.getByName('nightly')).toEqual(created);
    const updated = await store.update('sch_1', { cron: null, rrule: 'FREQ=DAILY' }, T0 + 5000);
    expect(updated).toMatchObject({ cron: null, rrule: 'FREQ=DAILY', consideredUntil: T0 + 5000 });
    // A change that is not the timetable keeps the mark.
    expect(await store.update('sch_1', { pipeline: 'other' }, T0 + 9000)).toMatchObject({
      pipeline: 'other',
      consideredUntil: T0 + 5000,
      labels: { team: 'a' },
    });
    expect(await store.update('nope', { pipeline: 'x' }, T0)).toBeNull();
    expect(await store.delete('sch_1')).toBe(true);
    expect(await store.get('sch_1')).toBeNull();
    expect(await store.delete('sch_1')).toBe(false);
  });

  it('lists by name in byte order; the last run carries its current status', async () => {
    const store = server();
    await store.create(schedule({ id: 'b', name: 'b-job' }), T0);
    await store.create(schedule({ id: 'B', name: 'B-job' }), T0);
    await seedRun(db, { id: 'run-1', status: 'running' });
    await store.recordRun('b', null, 'run-1', T0 + 1);
    const list = await store.list();
    expect(list.map((s) => s.name)).toEqual(['B-job', 'b-job']);
    expect(list[1]!.lastRun).toEqual({ runId: 'run-1', at: T0 + 1, status: 'running' });
    expect((await store.setPaused('b', true, T0 + 50))?.lastRun?.status).toBe('running');
  });

  it('pausing keeps the mark, resuming moves it to now; unknown ids are null', async () => {
    const store = server();
    await store.create(schedule(), T0);
    expect((await store.setPaused('sch_1', true, T0 + 1000))?.consideredUntil).toBe(T0);
    expect(await store.setPaused('sch_1', false, T0 + 9000)).toMatchObject({
      paused: false,
      consideredUntil: T0 + 9000,
    });
    expect(await store.setPaused('nope', true, T0)).toBeNull();
  });

  it('unfired slots: claimed before the cutoff with neither a run nor a skip; old slots are forgotten', async () => {
    const store = server();
    await store.create(schedule(), T0);
    const [s1, s2, s3] = [T0 + 60_000, T0 + 120_000, T0 + 180_000];
    for (const slot of [s1, s2, s3]) expect(await store.claimSlot('sch_1', slot, 'a', slot)).toBe(true);
    await store.recordRun('sch_1', s1, 'run-1', s1);
    await store.skipSlot('sch_1', s2);
    expect(await store.unfiredSlots(s3)).toEqual([]);
    expect(await store.unfiredSlots(s3 + 1)).toEqual([{ scheduleId: 'sch_1', slotAt: s3 }]);
    await store.forgetSlots(s3 + 1);
    expect(await store.unfiredSlots(s3 + 1)).toEqual([]);
  });

  it('five servers claiming the same slots: each slot has exactly one winner, the mark is the highest', async () => {
    const servers = Array.from({ length: 5 }, server);
    await servers[0]!.create(schedule(), T0);
    const slots = Array.from({ length: 20 }, (_, i) => T0 + (i + 1) * 60_000);
    const results = await Promise.all(
      slots.flatMap((slot) =>
        servers.map(async (s, n) => ({
          slot,
          n,
          won: await s.claimSlot('sch_1', slot, `server-${n}`, slot + n),
        })),
      ),
    );
    for (const slot of slots) {
      const winners = results.filter((r) => r.slot === slot && r.won);
      expect(winners).toHaveLength(1);
      const { rows } = await db.query<{ claimed_by: string }>(
        'SELECT claimed_by FROM schedule_slots WHERE slot_at = $1',
        [slot],
      );
      expect(rows).toEqual([{ claimed_by: `server-${winners[0]!.n}` }]);
    }
    expect((await servers[1]!.get('sch_1'))?.consideredUntil).toBe(slots.at(-1)! + 4);
    await servers[2]!.consider('sch_1', T0);
    expect((await servers[3]!.get('sch_1'))?.consideredUntil).toBe(slots.at(-1)! + 4);
  });

  it('config sync: keeps id and pause state, adopts an API schedule, drops undeclared', async () => {
    const store = server();
    await store.syncConfig([schedule({ id: 'c1', name: 'one', source: 'config' })], T0);
    await store.setPaused('c1', true, T0);
    await store.create(schedule({ id: 'api1', name: 'two' }), T0);
    await store.syncConfig(
      [
        schedule({ id: 'c1-new', name: 'one', source: 'config', cron: '0 4 * * *' }),
        schedule({ id: 'c2-new', name: 'two', source: 'config' }),
        schedule({ id: 'c3', name: 'three', source: 'config' }),
      ],
      T0 + 1000,
    );
    const byName = Object.fromEntries((await store.list()).map((s) => [s.name, s]));
    expect(byName.one).toMatchObject({
      id: 'c1',
      paused: true,
      cron: '0 4 * * *',
      consideredUntil: T0 + 1000,
    });
    // Same timetable: the mark stays.
    expect(byName.two).toMatchObject({ id: 'api1', source: 'config', consideredUntil: T0 });
    expect(byName.three).toMatchObject({ id: 'c3', source: 'config' });
    await store.syncConfig([schedule({ id: 'x', name: 'three', source: 'config' })], T0 + 2000);
    expect((await store.list()).map((s) => s.name)).toEqual(['three']);
  });

  it('servers syncing config at once, in different orders, do not deadlock and agree', async () => {
    const declared = Array.from({ length: 12 }, (_, i) =>
      schedule({ id: `c${i}`, name: `job-${String(i).padStart(2, '0')}`, source: 'config' }),
    );
    await server().syncConfig([schedule({ id: 'old', name: 'old', source: 'config' })], T0);
    const servers = Array.from({ length: 4 }, server);
    await Promise.all(
      servers.map((s, n) => s.syncConfig(n % 2 ? [...declared].reverse() : declared, T0 + n)),
    );
    expect((await servers[0]!.list()).map((s) => s.id)).toEqual(declared.map((d) => d.id));
  });

  it('a database that cannot be reached is store_unavailable naming the host', async () => {
    const url = 'postgres://wave:secret-pw@127.0.0.1:1/nowhere';
    const away = new PgDb(url);
    try {
      const err = await new PgScheduleStore(away, url, () => new Date()).list().catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'store_unavailable' });
      expect((err as Error).message).toMatch(/cannot reach the PostgreSQL store at 127\.0\.0\.1:1/);
      expect((err as Error).message).not.toContain('secret-pw');
    } finally {
      await away.close();
    }
  });
});
