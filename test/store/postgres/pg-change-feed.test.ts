import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../../src/events/bus.js';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import { silentLogger } from '../../../src/logger.js';
import { RunSupervisor } from '../../../src/runs/supervisor.js';
import { LEASE_MS, newOwnerId } from '../../../src/scheduler/leases.js';
import { ChangeFeed } from '../../../src/store/change-feed.js';
import { PostgresStore } from '../../../src/store/postgres/postgres-store.js';
import type { Store } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';
import { pgDatabase } from '../../helpers/pg.js';
import { draft, newRun } from '../../helpers/store.js';
import { startTcpProxy, viaProxy } from '../../helpers/tcp-proxy.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** The feed's own check is a minute apart: whatever arrives sooner came through NOTIFY. */
const SLOW_CHECK_MS = 60_000;

function store(url: string, origin: string): PostgresStore {
  const s = new PostgresStore({ url, origin, poolMax: 4 });
  stops.push(() => s.close());
  return s;
}

/** Instance A (store, change feed, supervisor, as createContext wires them) on `url`. */
async function instance(url: string) {
  const bus = new EventBus();
  const received: WaveEvent[] = [];
  bus.subscribe((events) => received.push(...events));
  let feed!: ChangeFeed;
  const s = new PostgresStore({ url, origin: 'a', poolMax: 4, onCommit: (e) => feed.committed(e) });
  stops.push(() => s.close());
  // The feed and supervisor use only the core of the Store (no sub-stores).
  const core = s as unknown as Store;
  feed = new ChangeFeed(core, bus, { origin: 'a', logger: silentLogger, intervalMs: SLOW_CHECK_MS });
  await s.ready();
  await feed.start();
  stops.push(() => feed.stop());
  const owner = newOwnerId();
  const supervisor = new RunSupervisor(core, feed, owner, silentLogger);
  await supervisor.start();
  stops.push(() => supervisor.stop());
  return { store: s, feed, received, owner, supervisor };
}

describe('change feed on PostgreSQL', () => {
  it("brings another instance's events at once (NOTIFY), in seq order, each once", async () => {
    const url = await pgDatabase();
    const a = await instance(url);
    const b = store(url, 'b');
    const { run, events } = await b.createRun(newRun());
    const written = [...events];
    for (let i = 0; i < 20; i++)
      written.push(...(await b.append(run.id, [draft.line(run.id, 'build', `l${i}`)])));
    await eventually(
      () => a.received.length >= written.length,
      10_000,
      'B’s events on A’s bus without a periodic check',
    );
    expect(a.received.map((e) => e.seq)).toEqual(written.map((e) => e.seq));
  });

  it('takes how far to read from the notifications, without reading the last seq', async () => {
    const url = await pgDatabase();
    const a = await instance(url);
    const b = store(url, 'b');
    let lastSeqReads = 0;
    const lastSeq = a.store.lastSeq.bind(a.store);
    a.store.lastSeq = () => {
      lastSeqReads++;
      return lastSeq();
    };
    const { run, events } = await b.createRun(newRun());
    const written = [...events];
    for (let i = 0; i < 10; i++)
      written.push(...(await b.append(run.id, [draft.line(run.id, 'build', `l${i}`)])));
    await eventually(() => a.received.length >= written.length, 10_000, "B's events at A");
    expect(a.received.map((e) => e.seq)).toEqual(written.map((e) => e.seq));
    expect(lastSeqReads).toBe(0);
  });

  it('a cancel requested on another instance aborts the owner’s run within 2 s', async () => {
    const url = await pgDatabase();
    const a = await instance(url);
    const b = store(url, 'b');
    const { run } = await a.store.createRun(
      newRun({ mode: 'local', claim: { owner: a.owner, leaseMs: LEASE_MS } }),
    );
    await a.store.append(run.id, [draft.runStarted(run.id)]);
    const tracked = a.supervisor.track(run.id);
    await eventually(async () => !tracked.signal.aborted, 1000, 'tracking');
    const asked = Date.now();
    expect((await b.requestCancel(run.id, 'bob'))?.kind).toBe('requested');
    await eventually(() => tracked.signal.aborted, 10_000, 'the run to be aborted');
    expect(Date.now() - asked).toBeLessThan(2000);
    expect(tracked.cancelledBy()).toBe('bob');
  });

  it("looks for cancels only when one is requested, not after each of another instance's commits", async () => {
    const url = await pgDatabase();
    const a = await instance(url);
    const b = store(url, 'b');
    let checks = 0;
    const cancelRequested = a.store.cancelRequested.bind(a.store);
    a.store.cancelRequested = (owner) => {
      checks++;
      return cancelRequested(owner);
    };
    const { run } = await a.store.createRun(
      newRun({ mode: 'local', claim: { owner: a.owner, leaseMs: LEASE_MS } }),
    );
    await a.store.append(run.id, [draft.runStarted(run.id)]);
    const tracked = a.supervisor.track(run.id);
    await new Promise((r) => setTimeout(r, 200));
    const before = checks;
    const other = (await b.createRun(newRun())).run;
    for (let i = 0; i < 5; i++) await b.append(other.id, [draft.line(other.id, 'build', `l${i}`)]);
    await eventually(
      () => a.received.some((e) => e.run_id === other.id && e.type === 'stream_activity'),
      10_000,
      "B's events at A",
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(checks).toBe(before);
    // Another instance's cancel of someone else's run is not A's business either.
    await b.append(other.id, [draft.runStarted(other.id)]);
    expect((await b.requestCancel(other.id, 'bob'))?.kind).toBe('requested');
    await new Promise((r) => setTimeout(r, 200));
    expect(checks).toBe(before);
    expect((await b.requestCancel(run.id, 'bob'))?.kind).toBe('requested');
    await eventually(() => tracked.signal.aborted, 10_000, 'the run to be aborted');
    expect(checks).toBe(before + 1);
  });

  it('after losing the database, reads what others committed meanwhile once it is back', async () => {
    const url = await pgDatabase();
    const proxy = await startTcpProxy(Number(new URL(url).port));
    stops.push(() => proxy.close());
    const a = await instance(viaProxy(url, proxy));
    const b = store(url, 'b');
    const { run, events } = await b.createRun(newRun());
    await eventually(() => a.received.length === 1, 10_000, 'the first event');
    proxy.cut();
    // Committed while A can hear nothing: no notification will ever announce these to A.
    const missed = await b.append(run.id, [draft.runStarted(run.id), draft.line(run.id, 'build', 'x')]);
    proxy.restore();
    await eventually(() => a.received.length === 3, 20_000, 'the events committed while away');
    expect(a.received.map((e) => e.seq)).toEqual([...events, ...missed].map((e) => e.seq));
  });

  it('a worker cut off from the database past its lease halts its runs before others can take them', async () => {
    const url = await pgDatabase();
    const proxy = await startTcpProxy(Number(new URL(url).port));
    stops.push(() => proxy.close());
    const a = await instance(viaProxy(url, proxy));
    const leaseMs = 1500;
    const supervisor = new RunSupervisor(a.store as unknown as Store, a.feed, newOwnerId(), silentLogger, {
      role: 'worker',
      leaseMs,
    });
    await supervisor.start();
    stops.push(() => supervisor.stop());
    const { run } = await a.store.createRun(
      newRun({ mode: 'local', claim: { owner: supervisor.owner, leaseMs } }),
    );
    const tracked = supervisor.track(run.id);
    // Renewals keep it going while the database answers.
    await new Promise((r) => setTimeout(r, leaseMs * 1.5));
    expect(tracked.signal.aborted).toBe(false);
    const cut = Date.now();
    proxy.cut();
    await eventually(() => tracked.signal.aborted, 10_000, 'the run to be halted');
    // Halted (to resume elsewhere), not cancelled; and before its lease ran out.
    expect(tracked.halted()).toBe(true);
    expect(tracked.cancelledBy()).toBeNull();
    expect(Date.now() - cut).toBeLessThan(leaseMs + 500);
    proxy.restore();
  });
});
