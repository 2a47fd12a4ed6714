import { describe, expect, it } from 'vitest';
import { WaveError } from '../../../src/errors.js';
import type { WaveEvent } from '../../../src/events/catalogue.js';
import {
  draft,
  eventsOf,
  newRun,
  pipelineSpec,
  SHIP_SPEC,
  stepSpec,
  TestClock,
} from '../../helpers/store.js';
import type { StoreFactory } from './store-factory.js';

export function runsContract(openStore: StoreFactory): void {
  const DAY_MS = 24 * 60 * 60 * 1000;

  describe('Store.createRun', () => {
    it('inserts the run, its steps and one run_queued event with the queue position', async () => {
      const clock = new TestClock();
      const committed: WaveEvent[] = [];
      const store = openStore({ now: clock.now, onCommit: (e) => committed.push(...e) });
      const { run, created, events } = await store.createRun(
        newRun({ id: 'ship-1', input: 'v1.2', options: { mock: true } }),
      );
      expect(created).toBe(true);
      expect(run).toMatchObject({
        id: 'ship-1',
        pipeline: 'ship',
        status: 'queued',
        input: 'v1.2',
        trigger: { source: 'api', actor: 'alice' },
        createdAt: clock.iso(),
        startedAt: null,
        finishedAt: null,
        cancelRequested: false,
        error: null,
        mode: 'server',
        options: { mock: true },
        owner: null,
        leaseExpiresAt: null,
        outcomes: [],
      });
      expect(await store.getRun('ship-1')).toEqual(run);
      expect(await store.getRunSpec('ship-1')).toEqual(SHIP_SPEC);

      const steps = await store.listSteps('ship-1');
      expect(steps.map((s) => [s.id, s.idx, s.kind, s.dependencies, s.status, s.attempts])).toEqual([
        ['build', 0, 'command', [], 'pending', 0],
        ['review', 1, 'gate', ['build'], 'pending', 0],
        ['ship', 2, 'command', ['review'], 'pending', 0],
      ]);

      expect(events).toEqual([
        {
          seq: 1,
          ts: clock.iso(),
          type: 'run_queued',
          run_id: 'ship-1',
          pipeline: 'ship',
          queue_position: 1,
          trigger: { source: 'api', actor: 'alice' },
        },
      ]);
      expect(await eventsOf(store, 'ship-1')).toEqual(events);
      expect(committed).toEqual(events);

      // Queue positions count queued runs of the same mode only.
      const second = await store.createRun(newRun());
      const local = await store.createRun(newRun({ mode: 'local' }));
      expect(second.events[0]).toMatchObject({ type: 'run_queued', queue_position: 2 });
      expect(local.events[0]).toMatchObject({ type: 'run_queued', queue_position: 1 });
      expect(await store.queuePosition(second.run)).toBe(2);
      await store.requestCancel('ship-1', null);
      expect(await store.queuePosition((await store.getRun(second.run.id))!)).toBe(1);
      expect(await store.queuePosition((await store.getRun('ship-1'))!)).toBeNull();
    });

    it('keeps labels', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun({ labels: { team: 'core', env: 'prod' } }));
      expect(run.labels).toEqual({ team: 'core', env: 'prod' });
      expect((await store.getRun(run.id))?.labels).toEqual({ team: 'core', env: 'prod' });
    });

    it('returns the first run for a repeated idempotency key within 24 h, a new one after', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const key = (k: string) => ({ idempotency: { key: k, actor: 'alice', fingerprint: 'f1' } });
      const first = await store.createRun(newRun(key('deploy-42')));
      clock.advance(DAY_MS - 1);
      const repeat = await store.createRun(newRun(key('deploy-42')));
      expect(repeat).toEqual({ run: first.run, created: false, events: [] });

      const otherKey = await store.createRun(newRun(key('deploy-43')));
      expect(otherKey.created).toBe(true);

      clock.advance(2);
      const later = await store.createRun(newRun(key('deploy-42')));
      expect(later.created).toBe(true);
      expect(later.run.id).not.toBe(first.run.id);
      // The key now points at the new run for the next 24 h.
      clock.advance(1000);
      expect((await store.createRun(newRun(key('deploy-42')))).run.id).toBe(later.run.id);
      expect((await store.listRuns({ limit: 10 })).runs).toHaveLength(3);
    });

    it('scopes idempotency keys per actor, and refuses a key reused for another request', async () => {
      const committed: WaveEvent[] = [];
      const store = openStore({ onCommit: (e) => committed.push(...e) });
      const alice = await store.createRun(
        newRun({ idempotency: { key: 'k', actor: 'alice', fingerprint: 'f1' } }),
      );
      const bob = await store.createRun(
        newRun({
          trigger: { source: 'api', actor: 'bob' },
          idempotency: { key: 'k', actor: 'bob', fingerprint: 'f1' },
        }),
      );
      expect(bob.created).toBe(true);
      expect(bob.run.id).not.toBe(alice.run.id);
      await expect(
        store.createRun(newRun({ idempotency: { key: 'k', actor: 'alice', fingerprint: 'f2' } })),
      ).rejects.toMatchObject({
        code: 'idempotency_key_reused',
        details: { run_id: alice.run.id },
      });
      // Nothing was written for the refused request.
      expect(committed).toHaveLength(2);
      expect((await store.listRuns({ limit: 10 })).runs).toHaveLength(2);
    });

    it('claims the run for an owner in the same transaction', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      const { run } = await store.createRun(
        newRun({ mode: 'server', claim: { owner: 'me', leaseMs: 30_000 } }),
      );
      expect(run).toMatchObject({ status: 'queued', owner: 'me', leaseExpiresAt: clock.ms + 30_000 });
      // Owned, so the scheduler does not take it.
      expect(await store.claimNextRun('scheduler', 30_000, 5)).toBeNull();
    });

    it('writes nothing when the insert fails (a duplicate id)', async () => {
      const committed: WaveEvent[] = [];
      const store = openStore({ onCommit: (e) => committed.push(...e) });
      const { run } = await store.createRun(newRun({ id: 'dup' }));
      const other = pipelineSpec('other', [stepSpec('x'), stepSpec('y')]);
      await expect(store.createRun(newRun({ id: 'dup', spec: other }))).rejects.toMatchObject({
        code: 'store_unavailable',
        message: expect.stringMatching(/unique/i),
      });
      expect(committed).toHaveLength(1);
      expect(await store.getRun('dup')).toEqual(run);
      expect((await store.listSteps('dup')).map((s) => s.id)).toEqual(['build', 'review', 'ship']);
      expect(await store.lastSeq()).toBe(1);
    });
  });

  describe('Store.rememberKey', () => {
    it('is true for a new key, false while it is remembered, true again once it expired', async () => {
      const clock = new TestClock();
      const store = openStore({ now: clock.now });
      expect(await store.rememberKey('github', 'delivery-1', 60_000)).toBe(true);
      expect(await store.rememberKey('github', 'delivery-1', 60_000)).toBe(false);
      expect(await store.rememberKey('gitlab', 'delivery-1', 60_000)).toBe(true);
      clock.advance(60_001);
      expect(await store.rememberKey('github', 'delivery-1', 60_000)).toBe(true);
    });
  });

  describe('Store.requestCancel', () => {
    it('cancels a queued run at once, with a run_cancelled event', async () => {
      const committed: WaveEvent[] = [];
      const store = openStore({ onCommit: (e) => committed.push(...e) });
      const { run } = await store.createRun(newRun());
      const result = await store.requestCancel(run.id, 'bob');
      expect(result?.kind).toBe('cancelled');
      if (result?.kind !== 'cancelled') return;
      expect(result.run).toMatchObject({ status: 'cancelled', cancelRequested: true, cancelBy: 'bob' });
      expect(result.run.finishedAt).not.toBeNull();
      expect(result.event).toMatchObject({
        type: 'run_cancelled',
        run_id: run.id,
        status: 'cancelled',
        duration_ms: 0,
        by: 'bob',
      });
      expect(committed.at(-1)).toEqual(result.event);
      expect((await store.listSteps(run.id)).map((s) => s.status)).toEqual([
        'cancelled',
        'cancelled',
        'cancelled',
      ]);
      // Once finished, a repeat says so and writes nothing.
      expect((await store.requestCancel(run.id, 'carol'))?.kind).toBe('finished');
      expect((await eventsOf(store, run.id)).map((e) => e.type)).toEqual(['run_queued', 'run_cancelled']);
    });

    it('marks a running run cancel_requested (the first asker recorded), without an event', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun());
      await store.append(run.id, [draft.runStarted(run.id)]);
      const result = await store.requestCancel(run.id, 'bob');
      expect(result).toMatchObject({
        kind: 'requested',
        run: { status: 'running', cancelRequested: true, cancelBy: 'bob' },
      });
      const again = await store.requestCancel(run.id, 'carol');
      expect(again).toMatchObject({ kind: 'requested', run: { cancelBy: 'bob' } });
      expect((await eventsOf(store, run.id)).map((e) => e.type)).toEqual(['run_queued', 'run_started']);
    });

    it('says finished for a run that ended, and null for an unknown run', async () => {
      const store = openStore();
      const { run } = await store.createRun(newRun());
      await store.append(run.id, [draft.runStarted(run.id), draft.runCompleted(run.id)]);
      const result = await store.requestCancel(run.id, 'bob');
      expect(result).toMatchObject({
        kind: 'finished',
        run: { status: 'completed', cancelRequested: false },
      });
      expect(await store.requestCancel('no-such-run', 'bob')).toBeNull();
    });
  });

  describe('Store.listRuns', () => {
    async function seed() {
      const store = openStore();
      const ids: string[] = [];
      const other = pipelineSpec('other', [stepSpec('a')]);
      for (let i = 0; i < 6; i++) {
        const { run } = await store.createRun(
          newRun({
            ...(i % 2 ? { spec: other, pipeline: 'other' } : {}),
            labels: { n: String(i), parity: i % 2 ? 'odd' : 'even', team: 'core' },
          }),
        );
        ids.push(run.id);
      }
      await store.append(ids[1]!, [draft.runStarted(ids[1]!)]);
      await store.append(ids[2]!, [draft.runStarted(ids[2]!), draft.runCompleted(ids[2]!)]);
      await store.requestCancel(ids[3]!, null);
      return { store, ids };
    }

    it('lists newest first and filters by status, pipeline and labels', async () => {
      const { store, ids } = await seed();
      const list = async (q: Parameters<typeof store.listRuns>[0]) =>
        (await store.listRuns(q)).runs.map((r) => r.id);
      expect(await list({ limit: 50 })).toEqual([...ids].reverse());
      expect(await list({ limit: 50, statuses: ['queued'] })).toEqual([ids[5], ids[4], ids[0]]);
      expect(await list({ limit: 50, statuses: ['running', 'completed'] })).toEqual([ids[2], ids[1]]);
      expect(await list({ limit: 50, pipeline: 'other' })).toEqual([ids[5], ids[3], ids[1]]);
      expect(await list({ limit: 50, labels: { parity: 'even' } })).toEqual([ids[4], ids[2], ids[0]]);
      expect(await list({ limit: 50, labels: { parity: 'even', n: '2' } })).toEqual([ids[2]]);
      expect(await list({ limit: 50, labels: { parity: 'even', n: '3' } })).toEqual([]);
      expect(
        await list({ limit: 50, labels: { team: 'core' }, pipeline: 'ship', statuses: ['queued'] }),
      ).toEqual([ids[4], ids[0]]);
      expect(await list({ limit: 50, mode: 'local' })).toEqual([]);
    });

    it('pages with a cursor that never skips or repeats a run while runs are being created', async () => {
      const store = openStore();
      const before: string[] = [];
      for (let i = 0; i < 23; i++) before.push((await store.createRun(newRun())).run.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await store.listRuns({ limit: 5, ...(cursor ? { cursor } : {}) });
        seen.push(...page.runs.map((r) => r.id));
        pages++;
        // New runs between page reads land before the first page, never inside the walk.
        await store.createRun(newRun());
        await store.createRun(newRun());
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      expect(pages).toBe(5);
      expect(seen).toEqual([...before].reverse());

      // The page that reaches the end has no next cursor: never an empty last page.
      const exact = await store.listRuns({ limit: 5, statuses: ['queued'], pipeline: 'ship' });
      expect(exact.runs).toHaveLength(5);
      const all = (await store.listRuns({ limit: 200 })).runs;
      const tail = await store.listRuns({ limit: all.length, cursor: exact.nextCursor! });
      expect(tail.runs).toHaveLength(all.length - 5);
      expect(tail.nextCursor).toBeNull();
    });

    it('rejects a cursor it did not issue with invalid_request', async () => {
      const store = openStore();
      await store.createRun(newRun());
      for (const cursor of ['nonsense', '', Buffer.from('x12').toString('base64url')]) {
        const err = await store.listRuns({ limit: 5, cursor }).catch((e: unknown) => e);
        expect(err, cursor).toBeInstanceOf(WaveError);
        expect(err).toMatchObject({ code: 'invalid_request', message: expect.stringContaining('cursor') });
      }
    });

    it('counts runs by status, overall and per mode', async () => {
      const { store } = await seed();
      await store.createRun(newRun({ mode: 'local' }));
      expect(await store.countByStatus()).toEqual({
        queued: 4,
        running: 1,
        waiting: 0,
        completed: 1,
        failed: 0,
        cancelled: 1,
      });
      expect(await store.countByStatus('local')).toMatchObject({ queued: 1, running: 0 });
    });
  });
}
