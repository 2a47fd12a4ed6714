import { describe, expect, it } from 'vitest';
import type { NotificationConfig } from '../../../src/config/manifest-schema.js';
import { EventBus } from '../../../src/events/bus.js';
import { silentLogger } from '../../../src/logger.js';
import { NotificationDispatcher } from '../../../src/service/notifications/dispatcher.js';
import { ChangeFeed } from '../../../src/store/change-feed.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';
import { pgStores } from '../../helpers/pg-store.js';
import { draft, newRun } from '../../helpers/store.js';
import { startReceiver } from './receiver.js';

const openStore = pgStores();

/** One `wave serve` as far as notifications go: a store, its change feed and its dispatcher. */
async function startServer(name: string, n: NotificationConfig) {
  let feed: ChangeFeed | undefined;
  const store = openStore({ path: 'shared', origin: name, onCommit: (e) => feed?.committed(e) });
  const s = store as unknown as Store;
  feed = new ChangeFeed(s, new EventBus(), { origin: name, logger: silentLogger, intervalMs: 50 });
  await feed.start();
  const dispatcher = new NotificationDispatcher(s, feed, {
    notifications: [n],
    owner: name,
    logger: silentLogger,
    backoffMs: [50, 50, 50],
  });
  dispatcher.start();
  return { store: s, feed, dispatcher };
}

describe('notifications from three servers on one PostgreSQL database', () => {
  it('every event is delivered once: retries included, no server sends what another sent', async () => {
    // Every third request fails with a retryable status if it is a delivery's first attempt, so
    // retries move between servers too. (Failing every third request whatever it was could, as
    // requests interleave, fail one delivery on each of its attempts until its retries ran out.)
    const statuses: number[] = [];
    const tried = new Set<string>();
    const receiver = await startReceiver((i) => {
      const id = String(receiver.received[i]!.headers['x-wave-delivery']);
      const status = i % 3 === 0 && !tried.has(id) ? 503 : 200;
      tried.add(id);
      statuses.push(status);
      return status;
    });
    const n: NotificationConfig = {
      name: 'ops',
      url: receiver.url,
      events: ['run_completed'],
      allow_private: true,
    };
    const servers = await Promise.all(['a', 'b', 'c'].map((name) => startServer(name, n)));
    try {
      // A first start notifies from the present on: wait until the shared cursor exists.
      await eventually(async () => (await servers[0]!.store.deliveries.deliveryCursor()) !== null);
      const runs = 30;
      for (let i = 0; i < runs; i++) {
        const { store } = servers[i % servers.length]!;
        const { run } = await store.createRun(newRun());
        await store.append(run.id, [draft.runStarted(run.id), draft.runCompleted(run.id)]);
      }
      const delivered = () =>
        servers[1]!.store.deliveries.listDeliveries({ status: 'delivered', limit: 100 });
      await eventually(async () => (await delivered()).length === runs, 60_000, 'every delivery sent');
    } finally {
      await Promise.all(servers.map((s) => s.dispatcher.stop()));
      for (const s of servers) s.feed.stop();
    }
    const rows = await servers[2]!.store.deliveries.listDeliveries({ limit: 100 });
    expect(rows).toHaveLength(30);
    const requests = new Map<string, number[]>();
    receiver.received.forEach((r, i) => {
      const id = String(r.headers['x-wave-delivery']);
      requests.set(id, [...(requests.get(id) ?? []), statuses[i]!]);
    });
    for (const row of rows) {
      const answers = requests.get(row.id) ?? [];
      // Accepted exactly once, and every attempt the row counts reached the receiver once.
      expect(answers.filter((s) => s === 200)).toHaveLength(1);
      expect(answers).toHaveLength(row.attempts);
      expect(row.status).toBe('delivered');
    }
    expect(receiver.received).toHaveLength(rows.reduce((sum, r) => sum + r.attempts, 0));
    // Some deliveries were retried (by whichever server claimed them next).
    expect(statuses).toContain(503);
  }, 90_000);
});
