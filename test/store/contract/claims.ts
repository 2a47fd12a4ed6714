import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { draft, newRun, runAtGate, TestClock } from '../../helpers/store.js';
import { tempDir } from '../../helpers/tmp.js';
import type { StoreFactory } from './store-factory.js';

export function claimsContract(openStore: StoreFactory): void {
  describe('Store.claimNextRun: FIFO under a cap', () => {
    it('claims the oldest queued server run while its owner holds fewer than cap running or claimed', async () => {
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

      await store.append(ids[0]!, [draft.runStarted(ids[0]!)]);
      expect(await store.claimNextRun('srv', 30_000, 2)).toBeNull();
      expect((await store.claimNextRun('srv', 30_000, 3))?.id).toBe(ids[2]);

      // A finished run frees its slot.
      await store.append(ids[0]!, [draft.runCompleted(ids[0]!)]);
      expect((await store.claimNextRun('srv', 30_000, 3))?.id).toBe(ids[3]);
      expect(await store.claimNextRun('srv', 30_000, 10)).toBeNull(); // the queue is empty
    });

    it("counts the owner's own runs against cap, and every owner's against globalCap", async () => {
      const store = openStore();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await store.createRun(newRun())).run.id);
      expect((await store.claimNextRun('a', 30_000, 1))?.id).toBe(ids[0]);
      await store.append(ids[0]!, [draft.runStarted(ids[0]!)]);
      expect(await store.claimNextRun('a', 30_000, 1)).toBeNull();
      // Another worker has a cap of its own.
      expect((await store.claimNextRun('b', 30_000, 1))?.id).toBe(ids[1]);
      // Two held over all owners: a global cap of 2 leaves no room for a third worker.
      expect(await store.claimNextRun('c', 30_000, 5, 2)).toBeNull();
      expect((await store.claimNextRun('c', 30_000, 5, 3))?.id).toBe(ids[2]);
      expect((await store.claimNextRun('c', 30_000, 5, null))?.id).toBe(ids[3]);
      await store.append(ids[0]!, [draft.runCompleted(ids[0]!)]);
      expect((await store.claimNextRun('a', 30_000, 1, 4))?.id).toBe(ids[4]);
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

  describe('Store.claimRun: live owners keep their runs, dead ones lose them', () => {
    it('claims an unowned queued run, or one it already owns', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun({ mode: 'local' }));
      expect(await store.claimRun(run.id, 'me', 1000)).toMatchObject({ owner: 'me' });
      expect(await store.claimRun(run.id, 'me', 1000)).toMatchObject({ owner: 'me' });
      expect(await store.claimRun('no-such-run', 'me', 1000)).toBeNull();
    });

    it('leaves a run to an owner whose lease runs and whose instance is not marked dead', async () => {
      const store = openStore();
      await store.registerInstance({ id: 'live', host: 'h1', pid: 10 });
      const { run } = await store.createRun(newRun({ claim: { owner: 'live', leaseMs: 60_000 } }));
      await store.append(run.id, [draft.runStarted(run.id)]);
      expect(await store.claimRun(run.id, 'me', 1000)).toBeNull();
      // An owner the store has no instance row for is presumed alive while its lease lasts.
      const remote = (await store.createRun(newRun({ claim: { owner: 'elsewhere:1:ab', leaseMs: 60_000 } })))
        .run;
      expect(await store.claimRun(remote.id, 'me', 1000)).toBeNull();
      expect((await store.getRun(remote.id))?.owner).toBe('elsewhere:1:ab');
    });

    it('takes over a run whose instance was marked dead, or whose lease expired', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      await store.registerInstance({ id: 'gone', host: 'h1', pid: 10 });
      const a = (await store.createRun(newRun({ claim: { owner: 'gone', leaseMs: 60_000 } }))).run.id;
      await store.append(a, [draft.runStarted(a)]);
      expect(await store.claimRun(a, 'me', 1000)).toBeNull();
      await store.markInstanceDead('gone');
      expect(await store.claimRun(a, 'me', 1000)).toMatchObject({ status: 'running', owner: 'me' });

      // A lease that ran out an hour ago: no instance row, so only the lease can tell.
      clock.advance(-3_600_000);
      const b = (await store.createRun(newRun({ claim: { owner: 'elsewhere:1:ab', leaseMs: 30_000 } }))).run
        .id;
      clock.advance(3_600_000);
      expect(await store.claimRun(b, 'me', 1000)).toMatchObject({
        owner: 'me',
        leaseExpiresAt: clock.ms + 1000,
      });
    });

    it('never claims a finished run', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun());
      await store.requestCancel(run.id, null);
      expect(await store.claimRun(run.id, 'me', 1000)).toBeNull();
    });
  });

  describe('Store: instances, orphans, leases, release and cancellation requests', () => {
    it('keeps instances as rows: registered, listed by host, heartbeaten, marked dead', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      await store.registerInstance({ id: 'a', host: 'h1', pid: 1 });
      await store.registerInstance({ id: 'b', host: 'h2', pid: 2 });
      expect(await store.listInstances()).toMatchObject([
        { id: 'a', host: 'h1', pid: 1, heartbeatAt: clock.ms, dead: false },
        { id: 'b', host: 'h2', pid: 2, heartbeatAt: clock.ms, dead: false },
      ]);
      clock.advance(5000);
      await store.renewLeases('a', 30_000);
      expect(await store.listInstances('h1')).toMatchObject([
        { id: 'a', host: 'h1', pid: 1, heartbeatAt: clock.ms, dead: false },
      ]);
      await store.markInstanceDead('a');
      expect((await store.listInstances()).map((i) => i.id)).toEqual(['b']);
    });

    it('forgets dead instances once they own no active run, keeps those whose runs wait for a claim', async () => {
      const store = openStore();
      await store.registerInstance({ id: 'stopped', host: 'h1', pid: 1 });
      await store.registerInstance({ id: 'crashed', host: 'h1', pid: 2 });
      const { run } = await store.createRun(newRun({ claim: { owner: 'crashed', leaseMs: 60_000 } }));
      await store.markInstanceDead('stopped');
      await store.markInstanceDead('crashed');
      await store.registerInstance({ id: 'next', host: 'h1', pid: 3 });
      // 'crashed' is still known dead: its run is claimable.
      expect(await store.claimRun(run.id, 'next', 1000)).toMatchObject({ owner: 'next' });
      expect((await store.listInstances()).map((i) => i.id)).toEqual(['next']);
    });

    it('finds running, waiting and claimed runs of a mode whose owner is dead or lease expired', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      await store.registerInstance({ id: 'gone', host: 'h1', pid: 10 });
      await store.registerInstance({ id: 'live', host: 'h1', pid: 11 });
      const claimed = (await store.createRun(newRun({ claim: { owner: 'gone', leaseMs: 60_000 } }))).run.id;
      const running = (await store.createRun(newRun({ claim: { owner: 'gone', leaseMs: 60_000 } }))).run.id;
      await store.append(running, [draft.runStarted(running)]);
      const waiting = await runAtGate(store, { claim: { owner: 'gone', leaseMs: 60_000 } });
      const alive = (await store.createRun(newRun({ claim: { owner: 'live', leaseMs: 60_000 } }))).run.id;
      await store.append(alive, [draft.runStarted(alive)]);
      const expiring = (await store.createRun(newRun({ claim: { owner: 'live', leaseMs: 1000 } }))).run.id;
      await store.append(expiring, [draft.runStarted(expiring)]);
      const done = (await store.createRun(newRun({ claim: { owner: 'gone', leaseMs: 60_000 } }))).run.id;
      await store.append(done, [draft.runStarted(done), draft.runCompleted(done)]);
      await store.createRun(newRun()); // queued, unowned: the scheduler's, not an orphan
      const local = (
        await store.createRun(newRun({ mode: 'local', claim: { owner: 'gone', leaseMs: 60_000 } }))
      ).run.id;
      await store.append(local, [draft.runStarted(local)]);

      expect(await store.findOrphans('server')).toEqual([]);
      await store.markInstanceDead('gone');
      expect((await store.findOrphans('server')).map((r) => r.id)).toEqual([claimed, running, waiting]);
      expect((await store.findOrphans('local')).map((r) => r.id)).toEqual([local]);
      clock.advance(2000);
      expect((await store.findOrphans('server')).map((r) => r.id)).toEqual([
        claimed,
        running,
        waiting,
        expiring,
      ]);
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
}
