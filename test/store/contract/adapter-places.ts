import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AdapterTicket } from '../../../src/store/store.js';
import { TestClock } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';
import type { StoreFactory } from './store-factory.js';

const LEASE = 30_000;

const ticket = (id: string, owner: string, readyAt: number, adapter = 'claude'): AdapterTicket => ({
  id,
  adapter,
  owner,
  runId: `run-${id}`,
  step: 'think',
  readyAt,
});

export function adapterPlacesContract(openStore: StoreFactory): void {
  describe('Store.adapterPlaces: max_concurrent across processes', () => {
    it('two stores on one database hold at most cap places, granted in readiness order', async () => {
      const clock = new TestClock();
      const path = join(tempDir(), 'shared.db');
      const a = openStore({ path, now: clock.now });
      const b = openStore({ path, now: clock.now });
      await a.registerInstance({ id: 'pa', host: 'h', pid: 1, role: 'all' });
      await b.registerInstance({ id: 'pb', host: 'h', pid: 2, role: 'all' });
      const t0 = clock.ms;
      expect(await a.adapterPlaces.take(ticket('1', 'pa', t0), 2, LEASE)).toEqual({ granted: true });
      expect(await b.adapterPlaces.take(ticket('2', 'pb', t0 + 1), 2, LEASE)).toEqual({ granted: true });
      // Full: both wait, the earlier-ready one first, whoever asked first.
      expect(await b.adapterPlaces.take(ticket('4', 'pb', t0 + 3), 2, LEASE)).toEqual({
        granted: false,
        position: 1,
      });
      expect(await a.adapterPlaces.take(ticket('3', 'pa', t0 + 2), 2, LEASE)).toEqual({
        granted: false,
        position: 1,
      });
      expect(await b.adapterPlaces.take(ticket('4', 'pb', t0 + 3), 2, LEASE)).toEqual({
        granted: false,
        position: 2,
      });
      expect([...(await a.adapterPlaces.positions('claude', LEASE))]).toEqual([
        ['3', 1],
        ['4', 2],
      ]);
      // Another adapter has its own places.
      expect(await b.adapterPlaces.take(ticket('x', 'pb', t0 + 4, 'codex'), 1, LEASE)).toEqual({
        granted: true,
      });

      await a.adapterPlaces.remove('1');
      // A place is free, but ticket 3 is ahead of 4.
      expect(await b.adapterPlaces.take(ticket('4', 'pb', t0 + 3), 2, LEASE)).toMatchObject({
        granted: false,
      });
      expect(await a.adapterPlaces.take(ticket('3', 'pa', t0 + 2), 2, LEASE)).toEqual({ granted: true });
      // Taking again is idempotent while held.
      expect(await a.adapterPlaces.take(ticket('3', 'pa', t0 + 2), 2, LEASE)).toEqual({ granted: true });
      await b.adapterPlaces.remove('2');
      expect(await b.adapterPlaces.take(ticket('4', 'pb', t0 + 3), 2, LEASE)).toEqual({ granted: true });
      expect((await a.adapterPlaces.positions('claude', LEASE)).size).toBe(0);
      // Full again; places given back in the same transaction as the next take free it.
      expect(await a.adapterPlaces.take(ticket('5', 'pa', t0 + 5), 2, LEASE)).toMatchObject({
        granted: false,
      });
      expect(await a.adapterPlaces.take(ticket('5', 'pa', t0 + 5), 2, LEASE, ['3', '4'])).toEqual({
        granted: true,
      });
      expect(await b.adapterPlaces.take(ticket('6', 'pb', t0 + 6), 2, LEASE)).toEqual({ granted: true });
    });

    it("a dead or silent owner's places count for nothing", async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      await store.registerInstance({ id: 'gone', host: 'h', pid: 1, role: 'all' });
      await store.registerInstance({ id: 'quiet', host: 'h', pid: 2, role: 'all' });
      expect(await store.adapterPlaces.take(ticket('g', 'gone', clock.ms), 1, LEASE)).toEqual({
        granted: true,
      });
      await store.markInstanceDead('gone');
      await store.registerInstance({ id: 'live', host: 'h', pid: 3, role: 'all' });
      expect(await store.adapterPlaces.take(ticket('l', 'live', clock.ms), 1, LEASE)).toEqual({
        granted: true,
      });
      await store.adapterPlaces.remove('l');

      expect(await store.adapterPlaces.take(ticket('q', 'quiet', clock.ms), 1, LEASE)).toEqual({
        granted: true,
      });
      // Its heartbeat stops; once older than the lease, its place is free again.
      clock.advance(LEASE + 1);
      await store.renewLeases('live', LEASE);
      expect(await store.adapterPlaces.take(ticket('l2', 'live', clock.ms), 1, LEASE)).toEqual({
        granted: true,
      });
    });
  });
}
