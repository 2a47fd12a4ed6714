import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/bus.js';
import { silentLogger } from '../../src/logger.js';
import { RunSupervisor } from '../../src/runs/supervisor.js';
import { LEASE_MS, newOwnerId } from '../../src/scheduler/leases.js';
import { ChangeFeed } from '../../src/store/change-feed.js';
import { eventually } from '../helpers/eventually.js';
import { draft, newRun, openStore } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** This process (store, change feed, supervisor, as createContext wires them) and another's store. */
async function twoProcesses() {
  const path = join(tempDir(), 'state.db');
  const bus = new EventBus();
  let changes!: ChangeFeed;
  const store = openStore({ path, origin: 'here', onCommit: (events) => changes.committed(events) });
  changes = new ChangeFeed(store, bus, { origin: 'here', logger: silentLogger });
  await changes.start();
  stops.push(() => changes.stop());
  const other = openStore({ path, origin: 'there' });
  const owner = newOwnerId();
  const supervisor = new RunSupervisor(store, changes, owner, silentLogger);
  stops.push(() => supervisor.stop());
  return { store, other, owner, supervisor, changes };
}

async function abortedWithin(signal: AbortSignal, ms: number): Promise<boolean> {
  if (signal.aborted) return true;
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      { once: true },
    );
  });
}

describe('RunSupervisor', () => {
  it('registers its instance row at start and marks it dead at stop (liveness is data)', async () => {
    const { store, owner, supervisor } = await twoProcesses();
    await supervisor.start();
    expect((await store.listInstances()).map((i) => [i.id, i.pid])).toEqual([[owner, process.pid]]);
    // Stopping ends the instance: what it owned is free at once.
    const { run } = await store.createRun(newRun({ mode: 'local', claim: { owner, leaseMs: LEASE_MS } }));
    await supervisor.stop();
    expect(await store.listInstances()).toEqual([]);
    expect(await store.claimRun(run.id, 'next', LEASE_MS)).toMatchObject({ owner: 'next' });
  });

  it('aborts a tracked run when the change feed reports a cancel requested by another process', async () => {
    const { store, other, owner, supervisor } = await twoProcesses();
    const { run } = await store.createRun(newRun({ mode: 'local', claim: { owner, leaseMs: LEASE_MS } }));
    await store.append(run.id, [draft.runStarted(run.id)]);
    const untouched = (await store.createRun(newRun({ mode: 'local', claim: { owner, leaseMs: LEASE_MS } })))
      .run;
    await supervisor.start();
    const tracked = supervisor.track(run.id);
    const bystander = supervisor.track(untouched.id);

    expect((await other.requestCancel(run.id, 'bob'))?.kind).toBe('requested');
    // A generous bound for a loaded machine; the change feed checks every 100 ms.
    expect(await abortedWithin(tracked.signal, 5000), 'the signal was not aborted within 5 s').toBe(true);
    expect(tracked.cancelledBy()).toBe('bob');
    expect(bystander.signal.aborted).toBe(false);
  });

  it('aborts a run whose cancel was requested before it was tracked', async () => {
    const { store, other, owner, supervisor, changes } = await twoProcesses();
    const { run } = await store.createRun(newRun({ mode: 'local', claim: { owner, leaseMs: LEASE_MS } }));
    await store.append(run.id, [draft.runStarted(run.id)]);
    await supervisor.start();
    let told = false;
    stops.push(changes.subscribe((n) => (told ||= n.foreign)));
    await other.requestCancel(run.id, 'carol');
    // The change feed brings the news while nothing is tracked: it must not be lost for later.
    await eventually(() => told, 10_000, 'the change feed to report the request');
    const tracked = supervisor.track(run.id);
    expect(await abortedWithin(tracked.signal, 5000)).toBe(true);
    expect(tracked.cancelledBy()).toBe('carol');
  });

  it("reads nothing for this process's own commits, and its own cancel of a run about to be tracked stops it", async () => {
    const { store, owner, supervisor } = await twoProcesses();
    let reads = 0;
    const cancelRequested = store.cancelRequested.bind(store);
    store.cancelRequested = (o) => {
      reads++;
      return cancelRequested(o);
    };
    const claim = { owner, leaseMs: LEASE_MS };
    const { run } = await store.createRun(newRun({ mode: 'local', claim }));
    const { run: next } = await store.createRun(newRun({ mode: 'local', claim }));
    await supervisor.start();
    const tracked = supervisor.track(run.id);
    // (Tracking may check once for what other processes did before; then nothing more.)
    await new Promise((r) => setTimeout(r, 250));
    const before = reads;
    await store.append(run.id, [draft.runStarted(run.id)]);
    // A cancel requested here reaches the supervisor directly (cancelRun), not through a read
    // after the commit: this commit (without an event) alone stops nothing.
    expect((await store.requestCancel(run.id, 'me'))?.kind).toBe('requested');
    expect((await store.requestCancel(next.id, 'me'))?.kind).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 250));
    expect(reads).toBe(before);
    expect(tracked.signal.aborted).toBe(false);
    expect(supervisor.cancel(run.id, 'me')).toBe(true);
    expect(tracked.signal.aborted).toBe(true);
    expect(supervisor.cancel(next.id, 'me')).toBe(false);
    // Claimed, not yet tracked when the request came: tracking it now stops it at once.
    const late = supervisor.track(next.id);
    expect(late.signal.aborted).toBe(true);
    expect(late.cancelledBy()).toBe('me');
  });
});
