import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isOwnerDead, newOwnerId } from '../../src/scheduler/leases.js';
import { draft, newRun, openStore, runAtGate, TestClock } from '../helpers/store.js';
import { tempDir } from '../helpers/tmp.js';

/** The owner id of a process that has exited (and been reaped): dead, whatever its lease says. */
async function deadOwner(): Promise<string> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  return `${hostname()}:${child.pid}:dead0000`;
}

describe('SqliteStore.claimNextRun: FIFO under a cap', () => {
  it('claims the oldest queued server run while fewer than cap are running or claimed', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.createRun(newRun())).run.id);
    await store.createRun(newRun({ mode: 'local' })); // never the scheduler's

    const first = await store.claimNextRun('srv', 30_000, 2);
    expect(first).toMatchObject({
      id: ids[0],
      status: 'queued',
      owner: 'srv',
      leaseExpiresAt: clock.ms + 30_000,
    });
    // Claimed but not started yet still takes a slot.
    expect((await store.claimNextRun('srv', 30_000, 2))?.id).toBe(ids[1]);
    expect(await store.claimNextRun('srv', 30_000, 2)).toBeNull();
    expect(await store.claimNextRun('other', 30_000, 2)).toBeNull();

    await store.append(ids[0]!, [draft.runStarted(ids[0]!)]);
    expect(await store.claimNextRun('srv', 30_000, 2)).toBeNull();
    expect((await store.claimNextRun('srv', 30_000, 3))?.id).toBe(ids[2]);

    // A finished run frees its slot.
    await store.append(ids[0]!, [draft.runCompleted(ids[0]!)]);
    expect((await store.claimNextRun('srv', 30_000, 3))?.id).toBe(ids[3]);
    expect(await store.claimNextRun('srv', 30_000, 10)).toBeNull(); // the queue is empty
  });

  it('does not count waiting runs against the cap, and skips cancelled ones', async () => {
    const store = openStore();
    const waiting = await runAtGate(store, { claim: { owner: 'srv', leaseMs: 30_000 } });
    const cancelled = (await store.createRun(newRun())).run.id;
    const next = (await store.createRun(newRun())).run.id;
    await store.requestCancel(cancelled, null);
    expect((await store.getRun(waiting))?.status).toBe('waiting');
    expect((await store.claimNextRun('srv', 30_000, 1))?.id).toBe(next);
  });
});

describe('SqliteStore.claimRun: live owners keep their runs, dead ones lose them', () => {
  const isDead = (owner: string, lease: number | null) => isOwnerDead(owner, lease);

  it('claims an unowned queued run, or one it already owns', async () => {
    const store = openStore();
    const { run } = await store.createRun(newRun({ mode: 'local' }));
    expect(await store.claimRun(run.id, 'me', 1000, isDead)).toMatchObject({ owner: 'me' });
    expect(await store.claimRun(run.id, 'me', 1000, isDead)).toMatchObject({ owner: 'me' });
    expect(await store.claimRun('no-such-run', 'me', 1000, isDead)).toBeNull();
  });

  it('leaves a run to a live owner', async () => {
    const store = openStore();
    // This very process owns it (a live pid on this host), with a lease far ahead.
    const live = newOwnerId();
    const { run } = await store.createRun(newRun({ claim: { owner: live, leaseMs: 60_000 } }));
    await store.append(run.id, [draft.runStarted(run.id)]);
    expect(await store.claimRun(run.id, 'me', 1000, isDead)).toBeNull();
    // Another host's owner is presumed alive while its lease lasts.
    const remote = (await store.createRun(newRun({ claim: { owner: 'elsewhere:1:ab', leaseMs: 60_000 } })))
      .run;
    expect(await store.claimRun(remote.id, 'me', 1000, isDead)).toBeNull();
    expect((await store.getRun(remote.id))?.owner).toBe('elsewhere:1:ab');
  });

  it('takes over a run whose owner process is gone, or whose lease expired', async () => {
    const clock = new TestClock(Date.now());
    const store = openStore({ now: clock.now });
    const gone = await deadOwner();
    const a = (await store.createRun(newRun({ claim: { owner: gone, leaseMs: 60_000 } }))).run.id;
    await store.append(a, [draft.runStarted(a)]);
    expect(await store.claimRun(a, 'me', 1000, isDead)).toMatchObject({ status: 'running', owner: 'me' });

    // A lease that ran out an hour ago: another host, so only the lease can tell.
    clock.advance(-3_600_000);
    const b = (await store.createRun(newRun({ claim: { owner: 'elsewhere:1:ab', leaseMs: 30_000 } }))).run.id;
    clock.advance(3_600_000);
    expect(await store.claimRun(b, 'me', 1000, isDead)).toMatchObject({
      owner: 'me',
      leaseExpiresAt: clock.ms + 1000,
    });
  });

  it('never claims a finished run', async () => {
    const store = openStore();
    const { run } = await store.createRun(newRun());
    await store.requestCancel(run.id, null);
    expect(await store.claimRun(run.id, 'me', 1000, isDead)).toBeNull();
  });
});

describe('SqliteStore: orphans, leases, release and cancellation requests', () => {
  it('finds running, waiting and claimed runs of a mode whose owner is dead', async () => {
    const store = openStore();
    const gone = await deadOwner();
    const live = newOwnerId();
    const claimed = (await store.createRun(newRun({ claim: { owner: gone, leaseMs: 60_000 } }))).run.id;
    const running = (await store.createRun(newRun({ claim: { owner: gone, leaseMs: 60_000 } }))).run.id;
    await store.append(running, [draft.runStarted(running)]);
    const waiting = await runAtGate(store, { claim: { owner: gone, leaseMs: 60_000 } });
    const alive = (await store.createRun(newRun({ claim: { owner: live, leaseMs: 60_000 } }))).run.id;
    await store.append(alive, [draft.runStarted(alive)]);
    const done = (await store.createRun(newRun({ claim: { owner: gone, leaseMs: 60_000 } }))).run.id;
    await store.append(done, [draft.runStarted(done), draft.runCompleted(done)]);
    await store.createRun(newRun()); // queued, unowned: the scheduler's, not an orphan
    const local = (await store.createRun(newRun({ mode: 'local', claim: { owner: gone, leaseMs: 60_000 } })))
      .run.id;
    await store.append(local, [draft.runStarted(local)]);

    const orphans = await store.findOrphans('server', isOwnerDead);
    expect(orphans.map((r) => r.id)).toEqual([claimed, running, waiting]);
    expect((await store.findOrphans('local', isOwnerDead)).map((r) => r.id)).toEqual([local]);
  });

  it('renews the leases of one owner only, and releases only its own runs', async () => {
    const clock = new TestClock();
    const store = openStore({ now: clock.now });
    const mine = (await store.createRun(newRun({ claim: { owner: 'me', leaseMs: 1000 } }))).run.id;
    const theirs = (await store.createRun(newRun({ claim: { owner: 'them', leaseMs: 1000 } }))).run.id;
    clock.advance(500);
    await store.renewLeases('me', 30_000);
    expect((await store.getRun(mine))?.leaseExpiresAt).toBe(clock.ms + 30_000);
    expect((await store.getRun(theirs))?.leaseExpiresAt).toBe(clock.ms - 500 + 1000);

    await store.releaseRun(theirs, 'me');
    expect((await store.getRun(theirs))?.owner).toBe('them');
    await store.releaseRun(mine, 'me');
    expect(await store.getRun(mine)).toMatchObject({ owner: null, leaseExpiresAt: null });
  });

  it("lists the cancellations requested for an owner's active runs", async () => {
    const path = join(tempDir(), 'state.db');
    const store = openStore({ path });
    const elsewhere = openStore({ path, origin: 'cli' });
    const a = (await store.createRun(newRun({ claim: { owner: 'me', leaseMs: 60_000 } }))).run.id;
    const b = (await store.createRun(newRun({ claim: { owner: 'me', leaseMs: 60_000 } }))).run.id;
    const c = (await store.createRun(newRun({ claim: { owner: 'them', leaseMs: 60_000 } }))).run.id;
    for (const id of [a, b, c]) await store.append(id, [draft.runStarted(id)]);
    expect(await store.cancelRequested('me')).toEqual([]);

    await elsewhere.requestCancel(a, 'bob');
    await elsewhere.requestCancel(c, 'bob');
    expect(await store.cancelRequested('me')).toEqual([{ id: a, by: 'bob' }]);
    // Once the run ended cancelled, nothing is left to do.
    await store.append(a, [draft.runCancelled(a, 'bob')]);
    expect(await store.cancelRequested('me')).toEqual([]);
  });
});
