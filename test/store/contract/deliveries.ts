import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../../src/store/store.js';
import { tempDir } from '../../helpers/tmp.js';
import type { StoreFactory } from './store-factory.js';

const delivery = (notification: string, seq: number): NewDelivery => ({
  id: `${notification}-${seq}`,
  notification,
  eventSeq: seq,
  eventType: 'run_completed',
  runId: `run-${seq}`,
  url: 'http://hooks.example.com/x',
  body: `{"seq":${seq}}`,
});

export function deliveriesContract(openStore: StoreFactory): void {
  describe('Store deliveries: the notification queue', () => {
    it('keeps one row per notification and event however many servers enqueue it; the cursor only moves on', async () => {
      const path = join(tempDir('wave-deliveries-'), 'state.db');
      const a = openStore({ path });
      const b = openStore({ path });
      expect(await a.deliveries.deliveryCursor()).toBeNull();
      await a.deliveries.initDeliveryCursor(4);
      await b.deliveries.initDeliveryCursor(9);
      expect(await b.deliveries.deliveryCursor()).toBe(4);
      await a.deliveries.enqueueDeliveries([delivery('ops', 5), delivery('chat', 5)], 7);
      await b.deliveries.enqueueDeliveries([delivery('ops', 5), delivery('ops', 6)], 6);
      expect(await a.deliveries.deliveryCursor()).toBe(7);
      const rows = await a.deliveries.listDeliveries({ limit: 10 });
      expect(rows.map((d) => d.id).sort()).toEqual(['chat-5', 'ops-5', 'ops-6']);
      expect(rows.every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true);
    });

    it('gives each due delivery to one claimer; a retry waits for its time, an outcome is final', async () => {
      const path = join(tempDir('wave-deliveries-'), 'state.db');
      const a = openStore({ path });
      const b = openStore({ path });
      await a.deliveries.enqueueDeliveries([delivery('ops', 1), delivery('ops', 2), delivery('ops', 3)], 3);
      const now = Date.now() + 1000;
      const [first, second] = await Promise.all([
        a.deliveries.claimDueDeliveries('a', now, 60_000, 2),
        b.deliveries.claimDueDeliveries('b', now, 60_000, 2),
      ]);
      const ids = [...first!, ...second!].map((d) => d.id);
      expect(ids.sort()).toEqual(['ops-1', 'ops-2', 'ops-3']);
      expect([...first!, ...second!].every((d) => d.attempts === 1)).toBe(true);
      // Held by live leases: nothing more to claim.
      expect(await a.deliveries.claimDueDeliveries('a', now, 60_000, 10)).toEqual([]);

      const mine = (owner: string, id: string) => (owner === 'a' ? first! : second!).some((d) => d.id === id);
      const ownerOf = (id: string) => (mine('a', id) ? 'a' : 'b');
      await a.deliveries.finishAttempt('ops-1', ownerOf('ops-1'), { kind: 'delivered', status: 204 });
      await a.deliveries.finishAttempt('ops-2', ownerOf('ops-2'), {
        kind: 'retry',
        at: now + 5000,
        status: 503,
        error: 'HTTP 503',
      });
      await a.deliveries.finishAttempt('ops-3', ownerOf('ops-3'), {
        kind: 'failed',
        status: 404,
        error: 'HTTP 404',
      });
      // Another owner's outcome for a row it does not hold changes nothing.
      await a.deliveries.finishAttempt('ops-2', 'intruder', { kind: 'delivered', status: 200 });

      expect(await a.deliveries.nextDueAt(now)).toBe(now + 5000);
      expect(await b.deliveries.claimDueDeliveries('b', now + 4999, 60_000, 10)).toEqual([]);
      const [again] = await b.deliveries.claimDueDeliveries('b', now + 5000, 60_000, 10);
      expect(again).toMatchObject({ id: 'ops-2', attempts: 2, lastStatus: 503, lastError: 'HTTP 503' });
      // A claimer that died: its lease runs out and another takes the row.
      expect(await a.deliveries.claimDueDeliveries('a', now + 5000 + 60_001, 60_000, 10)).toHaveLength(1);

      const by = async (status: 'pending' | 'delivered' | 'failed') =>
        (await a.deliveries.listDeliveries({ status, limit: 10 })).map((d) => d.id);
      expect(await by('delivered')).toEqual(['ops-1']);
      expect(await by('failed')).toEqual(['ops-3']);
      expect(await by('pending')).toEqual(['ops-2']);
      const [failed] = await a.deliveries.listDeliveries({ status: 'failed', limit: 1 });
      expect(failed).toMatchObject({ lastStatus: 404, lastError: 'HTTP 404' });
      expect(failed!.finishedAt).not.toBeNull();
    });
  });
}
