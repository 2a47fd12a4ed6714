import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { PgDeliveries } from '../../../src/store/postgres/pg-deliveries.js';
import type { NewDelivery } from '../../../src/store/store.js';
import { migratedPg } from '../../helpers/pg-seed.js';

const pg = await migratedPg();
afterAll(() => pg.close());

const NOW = Date.parse('2026-05-01T00:00:00Z');
/** A server of its own: its own pool on the shared database, and a fixed clock. */
const server = () => new PgDeliveries(pg.open(), pg.url, () => new Date(NOW));

const delivery = (notification: string, seq: number): NewDelivery => ({
  id: `${notification}-${seq}`,
  notification,
  eventSeq: seq,
  eventType: 'run_completed',
  runId: `run-${seq}`,
  url: 'http://hooks.example.com/x',
  body: `{"seq":${seq}}`,
});

describe('PgDeliveries', () => {
  const db = pg.open();
  beforeEach(async () => {
    await db.query('TRUNCATE notification_deliveries, notification_cursor');
  });

  it('one row per notification and event however many servers enqueue it at once; the cursor only moves on', async () => {
    const servers = Array.from({ length: 4 }, server);
    expect(await servers[0]!.deliveryCursor()).toBeNull();
    await servers[0]!.initDeliveryCursor(4);
    await servers[1]!.initDeliveryCursor(9);
    expect(await servers[2]!.deliveryCursor()).toBe(4);
    const batch = Array.from({ length: 30 }, (_, i) => [
      delivery('ops', 5 + i),
      delivery('chat', 5 + i),
    ]).flat();
    // Different servers see the events in different orders: they must wait, not deadlock.
    await Promise.all(
      servers.map((s, n) => s.enqueueDeliveries(n % 2 ? [...batch].reverse() : batch, 20 + n)),
    );
    expect(await servers[0]!.deliveryCursor()).toBe(23);
    await servers[0]!.enqueueDeliveries([], 7);
    expect(await servers[0]!.deliveryCursor()).toBe(23);
    const rows = await servers[1]!.listDeliveries({ limit: 100 });
    expect(rows).toHaveLength(60);
    expect(rows.every((d) => d.status === 'pending' && d.attempts === 0 && d.nextAttemptAt === NOW)).toBe(
      true,
    );
    // Newest event first; within one event, notifications in byte order.
    expect(rows.slice(0, 2).map((d) => d.id)).toEqual(['chat-34', 'ops-34']);
  });

  it('a retry waits for its time, an outcome is final, another owner’s outcome changes nothing, a dead lease expires', async () => {
    const [a, b] = [server(), server()];
    await a.enqueueDeliveries([delivery('ops', 1), delivery('ops', 2), delivery('ops', 3)], 3);
    const now = NOW + 1000;
    const claimed = await a.claimDueDeliveries('a', now, 60_000, 10);
    expect(claimed.map((d) => [d.id, d.attempts])).toEqual([
      ['ops-1', 1],
      ['ops-2', 1],
      ['ops-3', 1],
    ]);
    expect(await b.claimDueDeliveries('b', now, 60_000, 10)).toEqual([]);
    expect(await b.nextDueAt(now)).toBe(now + 60_000);
    await a.finishAttempt('ops-1', 'a', { kind: 'delivered', status: 204 });
    await a.finishAttempt('ops-2', 'a', { kind: 'retry', at: now + 5000, status: 503, error: 'HTTP 503' });
    await a.finishAttempt('ops-3', 'a', { kind: 'failed', status: 404, error: 'HTTP 404' });
    await b.finishAttempt('ops-2', 'intruder', { kind: 'delivered', status: 200 });

    expect(await a.nextDueAt(now)).toBe(now + 5000);
    expect(await b.claimDueDeliveries('b', now + 4999, 60_000, 10)).toEqual([]);
    const [again] = await b.claimDueDeliveries('b', now + 5000, 60_000, 10);
    expect(again).toMatchObject({ id: 'ops-2', attempts: 2, lastStatus: 503, lastError: 'HTTP 503' });
    expect(await a.claimDueDeliveries('a', now + 5000 + 60_001, 60_000, 10)).toHaveLength(1);

    const by = async (status: 'pending' | 'delivered' | 'failed') =>
      (await a.listDeliveries({ status, limit: 10 })).map((d) => d.id);
    expect(await by('delivered')).toEqual(['ops-1']);
    expect(await by('failed')).toEqual(['ops-3']);
    expect(await by('pending')).toEqual(['ops-2']);
    const [failed] = await a.listDeliveries({ status: 'failed', limit: 1 });
    expect(failed).toMatchObject({
      lastStatus: 404,
      lastError: 'HTTP 404',
      createdAt: new Date(NOW).toISOString(),
    });
    expect(failed!.finishedAt).not.toBeNull();
    expect(await a.nextDueAt(now)).toBe(now + 5000 + 60_001 + 60_000);
  });

  it('four delivery workers draining one queue never send the same delivery twice', async () => {
    const total = 200;
    const queue = server();
    await queue.enqueueDeliveries(
      Array.from({ length: total }, (_, i) => delivery('ops', i + 1)),
      total,
    );
    const sent: { id: string; worker: string }[] = [];
    const worker = async (name: string) => {
      const store = server();
      for (;;) {
        const batch = await store.claimDueDeliveries(name, NOW + 1, 60_000, 3);
        if (batch.length === 0) {
          // Done when every row left is leased by another worker (a claim in flight may only
          // have skipped rows it saw locked).
          const { rows } = await db.query(
            `SELECT 1 FROM notification_deliveries WHERE status = 'pending' AND owner IS NULL LIMIT 1`,
          );
          if (rows.length === 0) return;
          continue;
        }
        for (const d of batch) {
          sent.push({ id: d.id, worker: name });
          await store.finishAttempt(d.id, name, { kind: 'delivered', status: 200 });
        }
      }
    };
    await Promise.all(['w1', 'w2', 'w3', 'w4'].map(worker));
    expect(sent).toHaveLength(total);
    expect(new Set(sent.map((s) => s.id)).size).toBe(total);
    expect(new Set(sent.map((s) => s.worker)).size).toBeGreaterThan(1);
    const delivered = await queue.listDeliveries({ status: 'delivered', limit: total + 1 });
    expect(delivered).toHaveLength(total);
    expect(delivered.every((d) => d.attempts === 1)).toBe(true);
  });

  it('a claimer does not wait for rows another server holds locked: it takes the others', async () => {
    const store = server();
    await store.enqueueDeliveries([delivery('ops', 1), delivery('ops', 2)], 2);
    const holder = await pg.open().pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT id FROM notification_deliveries WHERE id = 'ops-1' FOR UPDATE`);
      const claimed = await store.claimDueDeliveries('me', NOW + 1, 60_000, 10);
      expect(claimed.map((d) => d.id)).toEqual(['ops-2']);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect((await store.claimDueDeliveries('me', NOW + 1, 60_000, 10)).map((d) => d.id)).toEqual(['ops-1']);
  });
});
