import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import { silentLogger } from '../../../src/logger.js';
import { Pacer } from '../../../src/pacer.js';
import { EventFeed, type FeedItem } from '../../../src/server/sse/feed.js';
import { ChangeFeed } from '../../../src/store/change-feed.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';
import { draft, newRun, openStore } from '../../helpers/store.js';

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** A store wired to its change feed (as createContext does), its event reads counted. */
function feedOnStore() {
  let changes!: ChangeFeed;
  const store = openStore({ onCommit: (events) => changes.committed(events) });
  const calls = { readEvents: 0 };
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'readEvents') calls.readEvents++;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  changes = new ChangeFeed(store, new EventBus(), { origin: 'test-origin', logger: silentLogger });
  const feed = new EventFeed(counted, changes, silentLogger, new Pacer());
  stops.push(
    () => changes.stop(),
    () => feed.stop(),
  );
  return { store, changes, feed, calls };
}

describe('EventFeed', () => {
  it('reads nothing while nobody listens, and a listener gets every event after its position', async () => {
    const { store, changes, feed, calls } = feedOnStore();
    await changes.start();
    await feed.start();
    const { run, events: queued } = await store.createRun(newRun());
    const [started] = await store.append(run.id, [draft.runStarted(run.id)]);
    // With no SSE client, nobody needs the events: no read, and the position moves on.
    expect(calls.readEvents).toBe(0);
    expect(feed.position).toBe(started!.seq);
    expect(queued[0]!.seq).toBeLessThan(started!.seq);

    const got: FeedItem[] = [];
    feed.listen((items) => got.push(...items));
    const more = await store.append(run.id, [
      draft.line(run.id, 'build', 'one'),
      draft.line(run.id, 'build', 'two'),
    ]);
    await eventually(() => got.length === 2, 5_000, 'the events after the position');
    expect(got.map((i) => i.row.seq)).toEqual(more.map((e) => e.seq));
    expect(calls.readEvents).toBeGreaterThan(0);
  });
});
