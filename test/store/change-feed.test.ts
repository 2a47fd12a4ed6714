import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import type { WaveEvent } from '../../src/events/catalogue.js';
import { silentLogger } from '../../src/logger.js';
import { ChangeFeed, type ChangeNotice } from '../../src/store/change-feed.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { draft, newRun, openStore, runAtGate } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

const feeds: ChangeFeed[] = [];
afterEach(() => {
  for (const feed of feeds.splice(0)) feed.stop();
});

/** This process (store wired to its change feed, as createContext does) and another's store. */
async function twoProcesses(intervalMs?: number) {
  const path = join(tempDir(), 'state.db');
  const bus = new EventBus();
  const received: WaveEvent[] = [];
  bus.subscribe((events) => received.push(...events));
  let feed!: ChangeFeed;
  const here = openStore({ path, origin: 'here', onCommit: (events) => feed.committed(events) });
  const calls = { changeToken: 0, readEvents: 0 };
  // Counts what the feed asks of the store: idle, it must only take the one cheap check.
  const counted = new Proxy(here, {
    get(target, prop, receiver) {
      if (prop === 'changeToken' || prop === 'readEvents') calls[prop]++;
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  feed = new ChangeFeed(counted, bus, {
    origin: 'here',
    logger: silentLogger,
    ...(intervalMs ? { intervalMs } : {}),
  });
  feeds.push(feed);
  const notices: ChangeNotice[] = [];
  feed.subscribe((n) => notices.push(n));
  const other = openStore({ path, origin: 'there' });
  return { here, other, feed, bus, received, notices, calls };
}

describe('ChangeFeed', () => {
  it("announces this process's commits at once, with their events, and state-only commits too", async () => {
    const { here, feed, notices } = await twoProcesses();
    await feed.start();
    const { run, events } = await here.createRun(newRun());
    expect(notices).toEqual([{ upToSeq: events[0]!.seq, events, foreign: false }]);
    const [started] = await here.append(run.id, [draft.runStarted(run.id)]);
    expect(notices[1]).toEqual({ upToSeq: started!.seq, events: [started], foreign: false });
    // A cancel request of a running run writes no event, but is news for the supervisor.
    await here.requestCancel(run.id, 'bob');
    expect(notices[2]).toEqual({ upToSeq: started!.seq, events: [], foreign: false });
  });

  it("reads other processes' commits after one cheap check, publishes them on the bus once, and never republishes its own", async () => {
    const { here, other, feed, received, notices } = await twoProcesses();
    const runId = await runAtGate(here);
    await feed.start(); // what was there before is history, not news
    const startedAt = received.length;

    const [mine1] = await here.append(runId, [draft.line(runId, 'review', 'mine 1')]);
    const theirs = await other.answerGate(runId, 'review', {
      choice: 'approve',
      text: null,
      by: 'bob',
      timedOut: false,
    });
    const [mine2] = await here.append(runId, [draft.stepCompleted(runId, 'review', 1)]);
    const [theirs2] = await other.append(runId, [draft.line(runId, 'ship', 'theirs 2')]);
    await eventually(
      () => received.some((e) => e.seq === theirs2?.seq),
      10_000,
      'the other process’s events on this bus',
    );

    // Each exactly once. Ours come at commit, theirs at the next check: the bus is not in seq order.
    const news = received.slice(startedAt);
    expect(news.map((e) => e.seq).sort((a, b) => a - b)).toEqual([
      mine1!.seq,
      theirs!.seq,
      mine2!.seq,
      theirs2!.seq,
    ]);
    const foreign = notices.filter((n) => n.foreign);
    expect(foreign.flatMap((n) => n.events)).toEqual([theirs, theirs2]);
    expect(foreign[foreign.length - 1]!.upToSeq).toBe(theirs2!.seq);
    // Seq never goes back for a reader.
    const tops = notices.map((n) => n.upToSeq);
    expect(tops).toEqual([...tops].sort((a, b) => a - b));

    const [theirs3] = await other.append(runId, [draft.line(runId, 'ship', 'theirs 3')]);
    await eventually(() => received.some((e) => e.seq === theirs3?.seq), 10_000, 'a later foreign event');
    const seqs = received.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('announces a state-only commit of another process (a cancel request) with no events', async () => {
    const { here, other, feed, notices } = await twoProcesses();
    const { run } = await here.createRun(newRun());
    await here.append(run.id, [draft.runStarted(run.id)]);
    await feed.start();
    await other.requestCancel(run.id, 'bob');
    await eventually(() => notices.some((n) => n.foreign), 10_000, 'a foreign notice');
    expect(notices.filter((n) => n.foreign)).toEqual([
      { upToSeq: await here.lastSeq(), events: [], foreign: true },
    ]);
  });

  it('while nothing changes, takes only the cheap check: it reads no events', async () => {
    const { here, feed, calls, notices } = await twoProcesses(20);
    await here.createRun(newRun());
    await feed.start();
    notices.length = 0;
    await eventually(() => calls.changeToken >= 6, 10_000, 'several checks');
    expect(calls.readEvents).toBe(0);
    expect(notices).toEqual([]);
  });

  it('reads at once when the store wakes it (a NOTIFY), without waiting for its periodic check', async () => {
    const { feed, other, received, woken } = await wakeable();
    await feed.start();
    const { run } = await other.createRun(newRun());
    woken.wake();
    // The periodic check is a minute away: only the wake can have brought it.
    await eventually(() => received.some((e) => e.run_id === run.id), 10_000, 'the woken read');
  });

  it('a wake during a check is not lost: the feed looks again when the check ends', async () => {
    const { feed, other, received, woken, hold } = await wakeable();
    await feed.start();
    const first = await other.createRun(newRun());
    hold.on = true;
    woken.wake();
    await eventually(() => hold.waiting !== null, 10_000, 'the check to be reading');
    // Committed and announced while the first check is between its token and its read.
    const second = await other.createRun(newRun());
    woken.wake();
    hold.on = false;
    hold.waiting!();
    await eventually(
      () => received.some((e) => e.run_id === second.run.id),
      10_000,
      'the commit woken during the check',
    );
    expect(received.filter((e) => e.run_id === first.run.id)).toHaveLength(1);
  });

  it('stops listening for wakes when stopped', async () => {
    const { feed, woken } = await wakeable();
    await feed.start();
    expect(woken.listeners.size).toBe(1);
    feed.stop();
    expect(woken.listeners.size).toBe(0);
  });
});

/**
 * This process's store with `onChange` (as PostgreSQL's LISTEN gives it) and a periodic check
 * too slow to matter; `hold` pauses the feed's reads, to wake it in the middle of one.
 */
async function wakeable() {
  const path = join(tempDir(), 'state.db');
  const bus = new EventBus();
  const received: WaveEvent[] = [];
  bus.subscribe((events) => received.push(...events));
  const here = openStore({ path, origin: 'here' });
  const listeners = new Set<() => void>();
  const woken = {
    listeners,
    wake: () => {
      for (const l of listeners) l();
    },
  };
  const hold: { on: boolean; waiting: (() => void) | null } = { on: false, waiting: null };
  const store = new Proxy(here, {
    get(target, prop, receiver) {
      if (prop === 'onChange')
        return (listener: () => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        };
      if (prop === 'readEvents' && hold.on)
        return async (q: Parameters<Store['readEvents']>[0]) => {
          await new Promise<void>((resolve) => {
            hold.waiting = resolve;
          });
          return target.readEvents(q);
        };
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  const feed = new ChangeFeed(store, bus, { origin: 'here', logger: silentLogger, intervalMs: 60_000 });
  feeds.push(feed);
  const other = openStore({ path, origin: 'there' });
  return { feed, other, received, woken, hold };
}
