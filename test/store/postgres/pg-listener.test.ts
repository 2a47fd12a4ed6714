import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PgListener } from '../../../src/store/postgres/pg-listener.js';
import { EVENTS_CHANNEL } from '../../../src/store/postgres/postgres-store.js';
import { eventually } from '../../helpers/eventually.js';
import { pgDatabase } from '../../helpers/pg.js';
import { startTcpProxy, type TcpProxy, viaProxy } from '../../helpers/tcp-proxy.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function client(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  cleanups.push(() => c.end());
  return c;
}

function listener(url: string): { listener: PgListener; wakes: () => number; errors: unknown[] } {
  const errors: unknown[] = [];
  const l = new PgListener({
    url,
    channel: EVENTS_CHANNEL,
    minBackoffMs: 20,
    maxBackoffMs: 200,
    onError: (e) => errors.push(e),
  });
  let wakes = 0;
  l.onWake(() => wakes++);
  cleanups.push(() => l.stop());
  l.start();
  return { listener: l, wakes: () => wakes, errors };
}

const notify = (c: pg.Client, seq: number) =>
  c.query(`SELECT pg_notify('${EVENTS_CHANNEL}', $1)`, [String(seq)]);

describe('PgListener', () => {
  it("wakes at each commit's notification, from any connection, and only after the commit", async () => {
    const url = await pgDatabase();
    const { listener: l, wakes } = listener(url);
    await l.listening();
    const base = wakes();
    const token = l.token;
    const writer = await client(url);
    await writer.query('BEGIN');
    await notify(writer, 41);
    await notify(writer, 42);
    // Notifications are delivered at commit, not before: a reader woken early would find nothing.
    await writer.query('SELECT pg_sleep(0.2)');
    expect(wakes()).toBe(base);
    await writer.query('COMMIT');
    await eventually(() => l.notifiedSeq === 42, 10_000, 'the notified seq');
    expect(wakes()).toBeGreaterThan(base);
    expect(l.token).not.toBe(token);
  });

  it('reconnects on its own when its connection is killed, and wakes (commits may have been missed)', async () => {
    const url = await pgDatabase();
    const { listener: l, wakes, errors } = listener(url);
    await l.listening();
    const admin = await client(url);
    const before = wakes();
    const { rowCount } = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'wave-listener' AND datname = current_database()",
    );
    expect(rowCount).toBe(1);
    await eventually(() => errors.length > 0 && l.connected, 20_000, 'the listener to reconnect');
    expect(wakes()).toBeGreaterThan(before);
    // And it listens again.
    const afterReconnect = l.token;
    await notify(admin, 7);
    await eventually(() => l.notifiedSeq === 7, 10_000, 'a notification after the reconnect');
    expect(l.token).toBeGreaterThan(afterReconnect);
  });

  it('keeps trying while the database is unreachable and listens once it is back', async () => {
    const url = await pgDatabase();
    const proxy: TcpProxy = await startTcpProxy(Number(new URL(url).port));
    cleanups.push(() => proxy.close());
    proxy.cut();
    const { listener: l, errors } = listener(viaProxy(url, proxy));
    await eventually(() => errors.length >= 2, 20_000, 'failed attempts while away');
    expect(l.connected).toBe(false);
    proxy.restore();
    await l.listening();
    // Cut while listening: it notices, and comes back when the database does.
    proxy.cut();
    await eventually(() => !l.connected, 20_000, 'the listener to notice the cut');
    proxy.restore();
    await eventually(() => l.connected, 20_000, 'the listener to come back');
    const writer = await client(url);
    await notify(writer, 9);
    await eventually(() => l.notifiedSeq === 9, 10_000, 'a notification after the outage');
  });

  it('stops for good: no reconnect after stop', async () => {
    const url = await pgDatabase();
    const { listener: l } = listener(url);
    await l.listening();
    await l.stop();
    expect(l.connected).toBe(false);
    const admin = await client(url);
    // Give a would-be reconnect every chance, then look: no listener connection exists.
    await eventually(
      async () =>
        (
          await admin.query(
            "SELECT 1 FROM pg_stat_activity WHERE application_name = 'wave-listener' AND datname = current_database()",
          )
        ).rowCount === 0,
      10_000,
      'the listener connection to be gone',
    );
  });

  it("does not wake for its own store's notifications, told apart by the sending backend", async () => {
    const url = await pgDatabase();
    const own = await client(url);
    const ownPid = (own as unknown as { processID: number }).processID;
    const l = new PgListener({ url, channel: EVENTS_CHANNEL, isOwn: (pid) => pid === ownPid });
    cleanups.push(() => l.stop());
    let wakes = 0;
    l.onWake(() => wakes++);
    l.start();
    await l.listening();
    const before = wakes;
    await notify(own, 5);
    await eventually(() => l.notifiedSeq === 5, 10_000, 'the own notification to arrive');
    expect(wakes).toBe(before);
    const other = await client(url);
    await notify(other, 6);
    await eventually(() => wakes > before, 10_000, "another backend's notification to wake it");
  });
});
