import { describe, expect, it } from 'vitest';
import type { NewSchedule } from '../../../src/store/store.js';
import { newRun } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';
import type { StoreFactory } from './store-factory.js';

const T0 = Date.parse('2026-05-01T00:00:00Z');

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

export function schedulesContract(openStore: StoreFactory): void {
  describe('Store schedules', () => {
    it('creates, reads, updates and deletes; names are unique', async () => {
      const store = openStore();
      const created = await store.schedules.create(schedule({ labels: { team: 'a' } }), T0);
      expect(created).toMatchObject({
        id: 'sch_1',
        name: 'nightly',
        paused: false,
        consideredUntil: T0,
        lastRun: null,
      });
      expect(await store.schedules.create(schedule({ id: 'sch_2' }), T0)).toBeNull();
      expect(await store.schedules.getByName('nightly')).toEqual(created);
      const updated = await store.schedules.update('sch_1', { cron: null, rrule: 'FREQ=DAILY' }, T0 + 5000);
      expect(updated).toMatchObject({
        cron: null,
        rrule: 'FREQ=DAILY',
        consideredUntil: T0 + 5000,
        labels: { team: 'a' },
      });
      expect(await store.schedules.delete('sch_1')).toBe(true);
      expect(await store.schedules.get('sch_1')).toBeNull();
      expect(await store.schedules.delete('sch_1')).toBe(false);
    });

    it('a slot is claimed once across stores sharing the database; the mark never moves back', async () => {
      const path = `${tempDir()}/shared.db`;
      const a = openStore({ path });
      const b = openStore({ path });
      await a.schedules.create(schedule(), T0);
      const slot = T0 + 60_000;
      const claims = await Promise.all([
        a.schedules.claimSlot('sch_1', slot, 'a', slot + 10),
        b.schedules.claimSlot('sch_1', slot, 'b', slot + 5),
        b.schedules.claimSlot('sch_1', slot, 'b', slot + 20),
      ]);
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect((await a.schedules.get('sch_1'))?.consideredUntil).toBe(slot + 20);
      await a.schedules.consider('sch_1', T0);
      expect((await b.schedules.get('sch_1'))?.consideredUntil).toBe(slot + 20);
      // Old slot rows are forgotten; a forgotten slot is behind the mark, so it is not owed again.
      await a.schedules.forgetSlots(slot + 1);
      expect(await a.schedules.claimSlot('sch_1', slot + 60_000, 'a', slot + 60_000)).toBe(true);
    });

    it('unfired slots: claimed before the cutoff, with neither a run nor a skip', async () => {
      const store = openStore();
      await store.schedules.create(schedule(), T0);
      const [s1, s2, s3] = [T0 + 60_000, T0 + 120_000, T0 + 180_000];
      for (const slot of [s1, s2, s3]) await store.schedules.claimSlot('sch_1', slot, 'a', slot);
      await store.schedules.recordRun('sch_1', s1, 'run-1', s1);
      await store.schedules.skipSlot('sch_1', s2);
      expect(await store.schedules.unfiredSlots(s3)).toEqual([]); // claimed at s3: not before it
      expect(await store.schedules.unfiredSlots(s3 + 1)).toEqual([{ scheduleId: 'sch_1', slotAt: s3 }]);
    });

    it('last run: the run recorded, with its current status', async () => {
      const store = openStore();
      await store.schedules.create(schedule(), T0);
      const { run } = await store.createRun(newRun());
      await store.schedules.recordRun('sch_1', T0 + 60_000, run.id, T0 + 61_000);
      expect((await store.schedules.get('sch_1'))?.lastRun).toEqual({
        runId: run.id,
        at: T0 + 61_000,
        status: 'queued',
      });
      await store.requestCancel(run.id, null);
      expect((await store.schedules.list())[0]?.lastRun?.status).toBe('cancelled');
    });

    it('pausing keeps the mark, resuming moves it to now', async () => {
      const store = openStore();
      await store.schedules.create(schedule(), T0);
      expect((await store.schedules.setPaused('sch_1', true, T0 + 1000))?.consideredUntil).toBe(T0);
      const resumed = await store.schedules.setPaused('sch_1', false, T0 + 9000);
      expect(resumed).toMatchObject({ paused: false, consideredUntil: T0 + 9000 });
    });

    it('config sync: adds, keeps id and pause state of known names, adopts an API one, drops undeclared', async () => {
      const store = openStore();
      await store.schedules.syncConfig([schedule({ id: 'c1', name: 'one', source: 'config' })], T0);
      await store.schedules.setPaused('c1', true, T0);
      await store.schedules.create(schedule({ id: 'api1', name: 'two' }), T0);
      await store.schedules.syncConfig(
        [
          schedule({ id: 'c1-new', name: 'one', source: 'config', cron: '0 4 * * *' }),
          schedule({ id: 'c2-new', name: 'two', source: 'config' }),
          schedule({ id: 'c3', name: 'three', source: 'config' }),
        ],
        T0 + 1000,
      );
      const byName = Object.fromEntries((await store.schedules.list()).map((s) => [s.name, s]));
      expect(byName.one).toMatchObject({
        id: 'c1',
        paused: true,
        cron: '0 4 * * *',
        consideredUntil: T0 + 1000,
      });
      expect(byName.two).toMatchObject({ id: 'api1', source: 'config' });
      expect(byName.three).toMatchObject({ id: 'c3', source: 'config' });
      await store.schedules.syncConfig([schedule({ id: 'x', name: 'three', source: 'config' })], T0 + 2000);
      expect((await store.schedules.list()).map((s) => s.name)).toEqual(['three']);
    });
  });
}
