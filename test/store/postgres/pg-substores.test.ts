import { describe, expect, it } from 'vitest';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import { pgStores } from '../../helpers/pg-store.js';

const openStore = pgStores();

describe('PostgresStore sub-stores', () => {
  it('wait for the store to be migrated: called at once on a fresh database, they work', async () => {
    const store = openStore();
    const [schedules, cursor, prunable] = await Promise.all([
      store.schedules.list(),
      store.deliveries.deliveryCursor(),
      store.retention.findPrunableRuns({ completed: '9999', failed: '9999', cancelled: '9999' }, 10),
    ]);
    expect([schedules, cursor, prunable]).toEqual([[], null, []]);
  });

  it('an unreachable database is store_unavailable naming the host, never the password', async () => {
    const store = new PostgresStore({ url: 'postgres://wave:secret-pw@127.0.0.1:1/wave', origin: 'test' });
    try {
      for (const call of [
        () => store.schedules.list(),
        () => store.deliveries.claimDueDeliveries('me', 0, 1000, 1),
        () => store.retention.reclaimSpace(),
      ]) {
        const err = (await call().catch((e: unknown) => e)) as Error & { code?: string };
        expect(err.code).toBe('store_unavailable');
        expect(err.message).toMatch(/cannot reach the PostgreSQL store at 127\.0\.0\.1:1/);
        expect(err.message).not.toContain('secret-pw');
      }
    } finally {
      await store.close();
    }
  });
});
